import numpy as np
from spinndl.emulator.emulator import Emulator
orig = Emulator.fault_counters
def spy(self):
    for loc, w in self.work_by_core().items():
        print(loc, w.busy_ns, w.delay_ns, {k: v for k, v in w.counts.items() if v})
    for loc, c in self.counters_by_core().items(): print(loc, c)
    return orig(self)
Emulator.fault_counters = spy
from spinndl.examples.thesis_models import xor_mlp
m = xor_mlp(seed=1)
X = np.array([[0,0],[0,1],[1,0],[1,1]], np.float32)
try: m.predict(X)
except Exception as e: print("ERR")
