"""The host's Ethernet link to a board, as bytes on the wire: pure maths
shared by the emulator (which delays host-streamed inputs by it) and the
throughput planner (which will not plan more input than it carries).

A host streams inputs as EIEIO KEY_PAYLOAD_32_BIT data messages (2-byte
header, 8 bytes per event, at most MAX_EVENTS_PER_MESSAGE events) inside SDP
over UDP over IPv4 over Ethernet. Every message also pays the SDP header
with its 2 bytes of UDP padding, the UDP and IPv4 headers, and Ethernet's
header, frame check sequence, preamble and inter-frame gap. A SpiN-5's
Ethernet runs at 100 Mbit/s (docs/emulator.md, "The host link").
"""

#: The board's Ethernet: 100 Mbit/s.
HOST_LINK_BITS_PER_SECOND = 100_000_000
#: Events per KEY_PAYLOAD_32_BIT message, as LiveEventConnection sends them.
MAX_EVENTS_PER_MESSAGE = 31
#: EIEIO data header (2 B), then 4 B key + 4 B payload per event.
EIEIO_HEADER_BYTES = 2
BYTES_PER_EVENT = 8
#: SDP header with its 2 padding bytes (8 + 2), UDP (8), IPv4 (20).
SDP_UDP_IP_BYTES = 10 + 8 + 20
#: Ethernet header (14), FCS (4), preamble + start delimiter (8) and the
#: inter-frame gap (12): what one frame costs the wire besides its payload.
ETHERNET_FRAME_OVERHEAD_BYTES = 14 + 4 + 8 + 12


def frame_wire_ns(eieio_bytes: int) -> int:
    """Simulated ns the link is busy with one EIEIO message of
    ``eieio_bytes`` bytes in its SDP/UDP/IPv4/Ethernet frame (rounded up)."""
    bits = 8 * (eieio_bytes + SDP_UDP_IP_BYTES
                + ETHERNET_FRAME_OVERHEAD_BYTES)
    return -(-bits * 1_000_000_000 // HOST_LINK_BITS_PER_SECOND)


def message_wire_ns(events: int) -> int:
    """Simulated ns the link is busy with one KEY_PAYLOAD_32_BIT message
    of ``events`` events."""
    if not 0 < events <= MAX_EVENTS_PER_MESSAGE:
        raise ValueError(f"a message carries 1..{MAX_EVENTS_PER_MESSAGE} "
                         f"events, got {events}")
    return frame_wire_ns(EIEIO_HEADER_BYTES + BYTES_PER_EVENT * events)


def example_wire_ns(values: int) -> int:
    """Link time of one example of ``values`` values sent as full
    messages and one partial one."""
    full, rest = divmod(values, MAX_EVENTS_PER_MESSAGE)
    return full * message_wire_ns(MAX_EVENTS_PER_MESSAGE) + (
        message_wire_ns(rest) if rest else 0)


def max_examples_per_second(values: int) -> float:
    """The most examples of ``values`` input values a second the link
    carries (784-value MNIST images: about 1,500)."""
    return 1e9 / example_wire_ns(values)
