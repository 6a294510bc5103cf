import sys, time
import numpy as np
from spinndl.examples.thesis_models import listing4_mlp, mlp
from spinndl.optimizers import Adam
name = sys.argv[1]; n = int(sys.argv[2])
model = listing4_mlp(seed=0) if name == "listing4" else mlp(784, 512, 512, 10, seed=0)
shape = model.layers[0].output_shape
rng = np.random.default_rng(0)
x = rng.uniform(-1, 1, (n,) + shape).astype(np.float32)
k = model.layers[-1].output_shape[-1]
y = np.eye(k, dtype=np.float32)[rng.integers(0, k, n)]
model.compile("categorical_crossentropy", Adam(learning_rate=0.001))
t = time.time()
try:
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False)
except Exception as e:
    print("ERROR", str(e)[:1500])
r = model.last_run
print(r)
if r and r.simulated_ns: print("us/example", r.simulated_ns / n / 1000, "ex/s", n / (r.simulated_ns * 1e-9), "wall", time.time() - t)
