import time, logging
import numpy as np
import spinndl.emulator.snapshot as snap
from spinndl.examples.thesis_models import mlp
from spinndl.reference import numpy_forward
orig = snap.take_snapshot
def timed():
    t = time.perf_counter(); s = orig(); print(f"snapshot_s {time.perf_counter()-t:.2f} cores {len(s.cores)}", flush=True); return s
snap.take_snapshot = timed
import spinndl.emulator.emulator as em
em.take_snapshot = timed
model = mlp(784, 2048, 2048, 10, seed=0)
x = np.random.default_rng(0).uniform(0, 1, (2, 784)).astype(np.float32)
t = time.perf_counter()
try:
    out = model.predict(x)
    print("ok", np.allclose(out, numpy_forward(model, x), rtol=0, atol=1e-5), model.last_run)
except Exception as e:
    print("ERR", str(e)[:600])
print("wall", time.perf_counter() - t)
