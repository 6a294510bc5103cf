"""Host emulator of SpiNNaker: after a (virtual-board) mapping, every placed
core's C program runs on the host and every multicast packet is routed by
the generated routing tables. spinndl's default backend.

Typical use, inside an open toolchain session after ``map()``::

    with Emulator.from_toolchain() as emulator:
        emulator.transport.add_receive_callback("layer", on_event)
        emulator.start()
        emulator.transport.send("input", [(atom, payload), ...])
        emulator.run()
        data = emulator.read_region(x, y, p, region)
"""

from .emulator import (
    CoreError, EmulatedCore, Emulator, EmulatorError, WallClockLimitError)
from .engine import (
    ChipCounters, CoreCounters, CoreState, Drop, EngineBuildError, RunStatus)
from .snapshot import MappingSnapshot, take_snapshot
from .transport import (
    BoardTransport, EmulatorTransport, ReceiveCallback, Transport)

__all__ = [
    "BoardTransport", "ChipCounters", "CoreCounters", "CoreError",
    "CoreState", "Drop", "EmulatedCore", "Emulator", "EmulatorError",
    "EmulatorTransport", "EngineBuildError", "MappingSnapshot",
    "ReceiveCallback", "RunStatus", "Transport", "WallClockLimitError",
    "take_snapshot"]
