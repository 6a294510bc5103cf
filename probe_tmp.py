import sys, time
import numpy as np
from spinndl.examples.thesis_models import listing4_mlp, mlp
name = sys.argv[1]; n = int(sys.argv[2])
model = listing4_mlp(seed=0) if name == "listing4" else mlp(784, 512, 512, 10, seed=0)
x = np.random.default_rng(0).uniform(-1, 1, (n,) + model.layers[0].output_shape).astype(np.float32)
t = time.time()
try:
    out = model.predict(x)
except Exception as e:
    print("ERROR", str(e)[:2000])
r = model.last_run
print(r)
if r and r.simulated_ns: print("us/example", r.simulated_ns / n / 1000, "ex/s", n / (r.simulated_ns * 1e-9), "wall", time.time() - t)
