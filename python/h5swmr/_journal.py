"""Redo journal of an in-place commit (provisional format, see python/README section "Journal format").

File ``.<name>.h5swmr-journal`` beside the target, little-endian:

    header   magic "H5SWMRJ1" | u32 version=1 | u32 flags=0 | u64 base_eof | u64 new_eof | u64 token |
             u64 entry_count | u32 crc32(header bytes before it)
    entries  entry_count x (u64 offset | u64 length | length bytes)      all offsets + length <= base_eof
    trailer  magic "H5SWMRJC" | u64 entry_count | u64 token | u32 crc32(header + entries)

The trailer, once fsynced, is the commit point. Apply = pwrite every entry, ftruncate(new_eof), fsync; then the
journal is unlinked and the directory fsynced. A journal without a valid trailer is discarded (the target below
base_eof was never touched) and the target truncated back to base_eof.
"""
import os
import struct
import zlib

from .errors import DataError

MAGIC = b"H5SWMRJ1"
COMMIT = b"H5SWMRJC"
VERSION = 1
_HEAD = struct.Struct("<8sIIQQQQ")
_CRC = struct.Struct("<I")
_ENTRY = struct.Struct("<QQ")
_TRAILER = struct.Struct("<8sQQI")


def sidecar(path, kind):
    """``.<name>.h5swmr-<kind>`` in the directory of ``path`` (kind: journal, lock, new-<token>)."""
    d, name = os.path.split(os.path.abspath(path))
    return os.path.join(d, ".%s.h5swmr-%s" % (name, kind))


def fsync_dir(path):
    fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    def __init__(self, base_eof, new_eof, token, entries, complete):
        self.base_eof = base_eof
        self.new_eof = new_eof
        self.token = token
        self.entries = entries  # [(offset, bytes)]
        self.complete = complete


def write(path, base_eof, new_eof, token, entries, before_commit=lambda: None, pause=lambda step: None):
    """Writes and fsyncs the entries, calls ``before_commit`` (the fencing check; raising aborts: the incomplete
    journal is removed), then writes and fsyncs the trailer: the commit point."""
    jpath = sidecar(path, "journal")
    fd = os.open(jpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        head = _HEAD.pack(MAGIC, VERSION, 0, base_eof, new_eof, token, len(entries))
        head += _CRC.pack(zlib.crc32(head))
        crc = zlib.crc32(head)
        chunks = [head]
        for off, data in entries:
            e = _ENTRY.pack(off, len(data))
            crc = zlib.crc32(data, zlib.crc32(e, crc))
            chunks.append(e)
            chunks.append(bytes(data))
        os.write(fd, b"".join(chunks))
        os.fsync(fd)
        fsync_dir(jpath)
        pause("journal-entries")
        try:
            before_commit()
        except BaseException:
            os.close(fd)
            fd = -1
            os.unlink(jpath)
            raise
        os.write(fd, _TRAILER.pack(COMMIT, len(entries), token, crc))
        os.fsync(fd)
    finally:
        if fd >= 0:
            os.close(fd)
    return jpath


def read(path):
    """The journal of ``path``, or None when there is none or its header is torn."""
    jpath = sidecar(path, "journal")
    try:
        with open(jpath, "rb") as f:
            buf = f.read()
    except FileNotFoundError:
        return None
    hl = _HEAD.size + _CRC.size
    if len(buf) < hl:
        return Journal(None, None, None, [], False)
    magic, version, _flags, base, new, token, count = _HEAD.unpack_from(buf, 0)
    if magic != MAGIC or _CRC.unpack_from(buf, _HEAD.size)[0] != zlib.crc32(buf[:_HEAD.size]):
        return Journal(None, None, None, [], False)
    if version != VERSION:
        raise DataError("%s: journal version %d is not supported by this h5swmr (knows %d); use a newer h5swmr"
                        % (jpath, version, VERSION))
    pos = hl
    entries = []
    for _ in range(count):
        if pos + _ENTRY.size > len(buf):
            return Journal(base, new, token, [], False)
        off, n = _ENTRY.unpack_from(buf, pos)
        pos += _ENTRY.size
        if pos + n > len(buf) or off + n > base:
            return Journal(base, new, token, [], False)
        entries.append((off, buf[pos:pos + n]))
        pos += n
    complete = False
    if len(buf) - pos == _TRAILER.size:
        magic2, count2, token2, crc = _TRAILER.unpack_from(buf, pos)
        complete = magic2 == COMMIT and count2 == count and token2 == token and crc == zlib.crc32(buf[:pos])
    return Journal(base, new, token, entries if complete else [], complete)


def apply(fd, journal, pause=lambda step: None):
    for i, (off, data) in enumerate(journal.entries):
        os.pwrite(fd, data, off)
        if i == len(journal.entries) // 2:
            pause("applied-partly")
    os.ftruncate(fd, journal.new_eof)
    os.fsync(fd)


def recover(path, fd):
    """Under the exclusive lease and the writer's fcntl lock: completes or rolls back an interrupted commit.
    Returns 'replayed', 'discarded' or None (nothing to do). Idempotent."""
    j = read(path)
    if j is None:
        return None
    if j.complete:
        apply(fd, j)
        outcome = "replayed"
    else:
        if j.base_eof is not None and os.fstat(fd).st_size > j.base_eof:
            os.ftruncate(fd, j.base_eof)
            os.fsync(fd)
        outcome = "discarded"
    jpath = sidecar(path, "journal")
    os.unlink(jpath)
    fsync_dir(jpath)
    return outcome
