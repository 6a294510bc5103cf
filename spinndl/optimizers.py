"""Optimizers, as Keras 3 defines them. They only describe the update; the
update itself runs on the cores (neural_modelling/src/dense_train)."""

import dataclasses
from dataclasses import dataclass

from .wire_format import Optimizer as OptimizerCode


def _positive(name: str, value) -> float:
    value = float(value)
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def _non_negative(name: str, value) -> float:
    """Keras accepts a learning rate of 0 (no update)."""
    value = float(value)
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _fraction(name: str, value) -> float:
    value = float(value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


@dataclass(frozen=True)
class SGD:
    """``w -= lr g``; with momentum ``m = momentum m - lr g; w += m``."""
    learning_rate: float = 0.01
    momentum: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "learning_rate",
                           _non_negative("SGD learning_rate", self.learning_rate))
        object.__setattr__(self, "momentum",
                           _fraction("SGD momentum", self.momentum))

    @property
    def code(self) -> OptimizerCode:
        return OptimizerCode.SGD_MOMENTUM if self.momentum \
            else OptimizerCode.SGD

    def hyper_parameters(self):
        return dict(learning_rate=self.learning_rate,
                    momentum=self.momentum, beta_1=0.0, beta_2=0.0,
                    epsilon=0.0)


@dataclass(frozen=True)
class Adam:
    """Keras 3 Adam (no amsgrad)."""
    learning_rate: float = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7

    def __post_init__(self):
        object.__setattr__(self, "learning_rate",
                           _non_negative("Adam learning_rate", self.learning_rate))
        object.__setattr__(self, "beta_1",
                           _fraction("Adam beta_1", self.beta_1))
        object.__setattr__(self, "beta_2",
                           _fraction("Adam beta_2", self.beta_2))
        object.__setattr__(self, "epsilon",
                           _positive("Adam epsilon", self.epsilon))

    code = OptimizerCode.ADAM

    def hyper_parameters(self):
        return dict(learning_rate=self.learning_rate, momentum=0.0,
                    beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon,
                    one_minus_beta_1=1.0 - self.beta_1,
                    one_minus_beta_2=1.0 - self.beta_2)


_BY_NAME = {"sgd": SGD, "adam": Adam}


def serialize(optimizer) -> dict:
    """{"class_name": "Adam", "config": {hyper-parameters}} (saving)."""
    return {"class_name": type(optimizer).__name__,
            "config": dataclasses.asdict(optimizer)}


def deserialize(config: dict):
    classes = {cls.__name__: cls for cls in _BY_NAME.values()}
    if config.get("class_name") not in classes:
        raise ValueError(f"unknown optimizer class "
                         f"{config.get('class_name')!r}; spinndl has "
                         f"{sorted(classes)}")
    return classes[config["class_name"]](**config["config"])


def get(optimizer):
    """An optimizer object from an instance or a Keras name."""
    if isinstance(optimizer, (SGD, Adam)):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    raise ValueError(f"unknown optimizer {optimizer!r}; use "
                     f"spinndl.optimizers.SGD(...) or Adam(...), or one of "
                     f"{sorted(_BY_NAME)}")
