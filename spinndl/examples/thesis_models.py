"""The networks of the 2020 thesis (Listings 1, 4 and 5) and the MNIST-sized
MLP, built with spinndl's API. One definition, used by the demo, the
benchmarks and the tests."""

from ..layers import Dense, Input
from ..model import Model


def listing1_mlp(seed=None) -> Model:
    """Listing 1: 64-128-128(relu)-10(softmax)."""
    model = Model(seed=seed)
    model.add(Input(64))
    model.add(Dense(128))
    model.add(Dense(128, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    return model


def _thesis_mlp(inputs: int, outputs: int, seed,
                numerics: str = "float") -> Model:
    """Listing 4's hidden layers, one of each activation, softmax output."""
    model = Model(seed=seed, numerics=numerics)
    model.add(Input(inputs))
    model.add(Dense(50, activation="relu"))
    model.add(Dense(50, activation="softmax"))
    model.add(Dense(300, activation="tanh"))
    model.add(Dense(50, activation="sigmoid"))
    model.add(Dense(25))
    model.add(Dense(outputs, activation="softmax"))
    return model


def listing4_mlp(seed=None, numerics: str = "float") -> Model:
    """Listing 4: 224-50-50(softmax)-300-50-25-17."""
    return _thesis_mlp(224, 17, seed, numerics)


def xor_mlp(seed=None) -> Model:
    """Listing 5: Listing 4's hidden layers trained on XOR (2 in, 2 out)."""
    return _thesis_mlp(2, 2, seed)


def mlp(*widths, seed=None, hidden="relu", output="softmax",
        numerics: str = "float") -> Model:
    """An MLP of the given widths, e.g. mlp(784, 512, 512, 10); numerics
    as Model's."""
    model = Model(seed=seed, numerics=numerics)
    model.add(Input(widths[0]))
    for width in widths[1:-1]:
        model.add(Dense(width, activation=hidden))
    model.add(Dense(widths[-1], activation=output))
    return model
