import numpy as np
from spinndl.examples.thesis_models import xor_mlp
from spinndl import optimizers
m = xor_mlp(seed=1)
X = np.array([[0,0],[0,1],[1,0],[1,1]], np.float32)
Y = np.array([[1,0],[0,1],[0,1],[1,0]], np.float32)
m.compile("mean_squared_error", optimizers.SGD(learning_rate=0.1, momentum=0.9))
try:
    print(m.predict(X)); print(m.last_run)
except Exception as e: print("PREDICT ERR", str(e)[:300])
try:
    m.fit(X, Y, epochs=5, batch_size=3, shuffle=False, verbose=0); print(m.last_run)
except Exception as e: print("FIT ERR", str(e)[:300])
try:
    print(m.predict(X)); print(m.last_run)
except Exception as e: print("PREDICT2 ERR", str(e)[:300])
