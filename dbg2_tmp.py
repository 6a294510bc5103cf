import numpy as np
import spinndl.backend.diagnosis as R
orig = R.describe_drops
def spy(graph, drops, *a):
    for d in drops[:64]: print("DROP", hex(d.key), d.time_ns, d.reason, d.sender)
    return orig(graph, drops, *a)
R.describe_drops = spy
import spinndl.backend.streaming as S
from spinndl.examples.thesis_models import xor_mlp
m = xor_mlp(seed=1)
X = np.array([[0,0],[0,1],[1,0],[1,1]], np.float32)
try: m.predict(X)
except Exception as e: print("ERR")
