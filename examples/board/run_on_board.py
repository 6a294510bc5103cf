"""Run a model on whatever machine the toolchain's config names: a board
(see spiNNakerGraphFrontEnd.cfg beside this script) or, with no config, the
emulated SpiN-5. The script is the same either way.

    python examples/board/run_on_board.py
"""

import numpy as np

from spinndl import Dense, Input, Sequential

model = Sequential([Input(shape=(16,)), Dense(8, activation="tanh"),
                    Dense(4, activation="softmax")], seed=0)
mapping = model.mapping()
print(f"mapped onto {mapping.machine}: {mapping.total_cores} cores on "
      f"{mapping.chips} chip(s)")

x = np.random.default_rng(0).uniform(-1, 1, (20, 16)).astype(np.float32)
y = model.predict(x)
print("first output:", np.round(y[0], 4), "- sums to", round(float(y[0].sum()), 4))
print("packets dropped:", model.last_run.drops)
