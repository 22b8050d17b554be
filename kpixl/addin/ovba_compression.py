"""MS-OVBA 2.4.1 compression of VBA source streams.

ms-ovba-compression (1.0.1 and 0.2.2) does not round-trip text longer than about 800 bytes, so
the add-in build compresses with this instead; tests check it against oletools' decompressor.
"""

from __future__ import annotations

CHUNK = 4096


def compress(data: bytes) -> bytes:
    """A CompressedContainer: the signature byte, then one chunk per 4096 bytes of `data`."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        chunk = data[start : start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) <= CHUNK - 2 or len(chunk) < CHUNK:
            out += (0xB000 | (len(body) + 2 - 3)).to_bytes(2, "little") + body
        else:  # incompressible: stored as it is (only allowed for a full chunk)
            out += (0x3000 | (CHUNK + 2 - 3)).to_bytes(2, "little") + chunk
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while pos < len(chunk):
        flags, tokens = 0, bytearray()
        for bit in range(8):
            if pos >= len(chunk):
                break
            offset, length = _longest_match(chunk, pos)
            if length >= 3:
                bits = max((pos - 1).bit_length(), 4)
                token = ((offset - 1) << (16 - bits)) | (length - 3)
                tokens += token.to_bytes(2, "little")
                flags |= 1 << bit
                pos += length
            else:
                tokens.append(chunk[pos])
                pos += 1
        out.append(flags)
        out += tokens
    return bytes(out)


def _longest_match(chunk: bytes, pos: int) -> tuple[int, int]:
    """The nearest, longest earlier copy of the bytes at `pos` (overlapping copies allowed)."""
    if pos == 0:
        return 0, 0
    bits = max((pos - 1).bit_length(), 4)
    max_length = (0xFFFF >> bits) + 3
    best_offset, best_length = 0, 0
    for candidate in range(pos - 1, -1, -1):
        length = 0
        while (
            length < max_length
            and pos + length < len(chunk)
            and chunk[candidate + length] == chunk[pos + length]
        ):
            length += 1
        if length > best_length:
            best_offset, best_length = pos - candidate, length
    return best_offset, best_length
