"""Which machine a model runs on, when the user wants to say so."""

import numbers
from dataclasses import dataclass


@dataclass(frozen=True)
class VirtualMachine:
    """Emulate a machine of ``boards`` SpiN-5 boards, whatever the config
    says: ``Model(..., machine=VirtualMachine(boards=3))``.

    Without it a model runs on the configured machine (one virtual SpiN-5
    unless ``~/.spiNNakerGraphFrontEnd.cfg`` names a board or spalloc) and a
    model bigger than that is an error before mapping. The toolchain builds
    multi-board machines from whole triads, so ``boards=2`` gives three
    boards; ``Model.mapping().machine`` names what was really used.
    """
    boards: int = 1

    def __post_init__(self):
        if isinstance(self.boards, bool) or \
                not isinstance(self.boards, numbers.Integral) or \
                self.boards < 1:
            raise ValueError(f"VirtualMachine: boards must be a positive "
                             f"integer, got {self.boards!r}")
        object.__setattr__(self, "boards", int(self.boards))
