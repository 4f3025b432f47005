"""The journal format of docs/journal.md, byte by byte, and its validation under every cut and every byte flip."""
import os
import struct
import zlib

import h5py
import numpy as np

from h5swmr import _journal
from h5swmr._fileobj import JournaledFile, OverlayFile


def _units(target, records, base, new_eof):
    """The BASE units a writer computes for ``records`` over the file ``target`` (zeros where it is shorter)."""
    try:
        content = open(target, "rb").read()
    except FileNotFoundError:
        content = b""
    content = content.ljust(base, b"\0")
    return [(o, n, zlib.crc32(content[o:o + n]))
            for o, n in _journal.unit_ranges(_journal.extents(records), base, new_eof)]


def _journal_bytes(tmp_path, records, base=1000, token=77, new_eof=1200, units=None):
    target = str(tmp_path / "t.h5")
    w = _journal.JournalWriter(target, base, token)
    for off, data in records:
        w.append(off, data)
    w.commit(new_eof, _units(target, records, base, new_eof) if units is None else units)
    w.close()
    with open(w.path, "rb") as f:
        return w.nonce, f.read()


def test_layout_matches_the_spec(tmp_path):
    target = tmp_path / "t.h5"
    target.write_bytes(bytes(1000))
    st = os.stat(str(target))
    ranges = [(0, 10), (10, 3), (13, 487), (500, 7), (507, 493)]  # the two writes and the rest of [0, L)
    units = [(o, n, zlib.crc32(bytes(n))) for o, n in ranges]
    nonce, b = _journal_bytes(tmp_path, [(10, b"abc"), (500, b"\x01" * 7)], units=units)
    assert b[:8] == b"H5SWJNL1"
    assert struct.unpack_from("<IIQQQQQI", b, 8) == (2, 64, 1000, 77, nonce, st.st_dev, st.st_ino, 0)
    assert struct.unpack_from("<I", b, 60)[0] == zlib.crc32(b[:60])
    p = 64
    rec = b[p:p + 24 + 3]
    assert struct.unpack_from("<IIQQ", rec) == (1, 0, 10, 3) and rec[24:] == b"abc"
    assert struct.unpack_from("<I", b, p + 27)[0] == zlib.crc32(struct.pack("<Q", nonce) + rec)
    p += 24 + 3 + 4 + 24 + 7 + 4
    base = b[p:p + 16 + 16 * 5]
    assert struct.unpack_from("<IIQ", base) == (3, 0, 5)
    assert [struct.unpack_from("<QII", base, 16 + 16 * i) for i in range(5)] == units
    assert struct.unpack_from("<I", b, p + 96)[0] == zlib.crc32(struct.pack("<Q", nonce) + base)
    p += 100
    assert len(b) == p + 48
    assert struct.unpack_from("<IIQQQQI", b, p) == (2, 0, 1200, 2, 10, nonce, 0)
    assert struct.unpack_from("<I", b, len(b) - 4)[0] == zlib.crc32(b[:56] + b[64:-4])
    j = _journal.parse(b)
    assert j.committed and j.base_eof == 1000 and j.token == 77 and j.new_eof == 1200 and not j.applying
    assert j.records == [(10, b"abc"), (500, b"\x01" * 7)] and j.units == units
    # the BASE ranges: the image's extents and the rest of the first 4 KiB, split at pages, cut to min(L, new_eof)
    assert _journal.unit_ranges(_journal.extents(j.records), 1000, 1200) == ranges
    assert _journal.unit_ranges(_journal.extents([(5000, b"x" * 5000), (6000, b"y")]), 20000, 20000) == [
        (0, 4096), (5000, 1000), (6000, 1), (6001, 2191), (8192, 1808)]


def test_every_cut_is_incomplete_or_damaged(tmp_path):
    _, b = _journal_bytes(tmp_path, [(0, b"x" * 100), (200, b"y" * 50)])
    for n in range(len(b)):
        st = _journal.parse(b[:n]).status
        assert st == (_journal.DAMAGED if n < 64 else _journal.INCOMPLETE), n


def test_every_flipped_byte_is_detected(tmp_path):
    _, b = _journal_bytes(tmp_path, [(0, b"x" * 40), (200, b"y" * 20)])
    for i in range(len(b)):
        bad = bytearray(b)
        bad[i] ^= 0x5A
        assert not _journal.parse(bytes(bad)).committed, i


def test_later_records_win_and_replay_is_idempotent(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"0" * 100)
    w = _journal.JournalWriter(str(target), 100, 5)
    w.append(10, b"AAAA")
    w.append(12, b"BB")
    w.commit(90, _units(str(target), [(10, b"AAAA"), (12, b"BB")], 100, 90))
    w.close()
    j = _journal.read(str(target))
    fd = os.open(str(target), os.O_RDWR)
    try:
        _journal.replay(fd, j)
        once = target.read_bytes()
        _journal.replay(fd, j)
        assert target.read_bytes() == once == b"0" * 10 + b"AABB" + b"0" * 76
        view = OverlayFile(fd, j)
        assert view.read(20) == b"0" * 10 + b"AABB" + b"0" * 6 and view.size == 90
    finally:
        os.close(fd)


def test_recovery_of_incomplete_journal_cuts_to_base(tmp_path):
    target = tmp_path / "g.bin"
    target.write_bytes(b"1" * 64 + b"garbage")
    w = _journal.JournalWriter(str(target), 64, 9)
    w.append(0, b"new")
    w.close()
    fd = os.open(str(target), os.O_RDWR)
    try:
        assert _journal.recover(str(target), fd) == _journal.INCOMPLETE
    finally:
        os.close(fd)
    assert target.read_bytes() == b"1" * 64 and not os.path.exists(w.path)


def test_session_overlay_keeps_bytes_below_base(tmp_path):
    """h5py through JournaledFile: the committed bytes below L are untouched until commit; the session sees its
    own writes."""
    p = str(tmp_path / "s.h5")
    with h5py.File(p, "w") as f:
        f.create_dataset("d", data=np.arange(10.0), maxshape=(None,), chunks=(4,))
    before = open(p, "rb").read()
    fd = os.open(p, os.O_RDWR)
    jf = JournaledFile(fd, len(before))
    with h5py.File(jf, "r+", driver="fileobj") as f:
        f["d"].resize((30,))
        f["d"][10:] = np.arange(10.0, 30.0)
    assert open(p, "rb").read()[:len(before)] == before and jf.overlay
    with h5py.File(jf, "r", driver="fileobj") as f:
        np.testing.assert_array_equal(f["d"][:], np.arange(30.0))
    os.close(fd)


def _committed_over(target, records, new_eof=None, token=3):
    """A committed version 2 journal of ``records`` over the file as it is (its BASE units computed from it)."""
    size = os.path.getsize(target)
    new_eof = size if new_eof is None else new_eof
    w = _journal.JournalWriter(target, size, token)
    for off, data in records:
        w.append(off, data)
    w.commit(new_eof, _units(target, records, size, new_eof))
    w.mark_applying()
    w.close()
    return w.path


def test_journal_refused_on_a_file_with_other_bytes_under_it(tmp_path):
    target = str(tmp_path / "x.bin")
    open(target, "wb").write(b"A" * 10000)
    jpath = _committed_over(target, [(5000, b"new!")])
    assert _journal.read(target).committed
    open(target, "wb").write(b"B" * 10000)  # restored / regenerated: same size, other bytes
    for use in (lambda: _journal.read(target), lambda: _recover(target)):
        try:
            use()
            raise AssertionError("not refused")
        except _journal.JournalStateError as e:
            assert jpath in str(e) and target in str(e) and "not written for" in str(e)
    assert open(target, "rb").read() == b"B" * 10000 and os.path.exists(jpath)


def test_anchor_proves_the_state_even_where_the_journal_does_not_write(tmp_path):
    target = str(tmp_path / "y.bin")
    open(target, "wb").write(b"A" * 10000)
    _committed_over(target, [(8000, b"new!")])
    b = bytearray(b"A" * 10000)
    b[100] = ord("Z")  # inside the superblock's page, which the journal does not write
    open(target, "wb").write(bytes(b))
    try:
        _recover(target)
        raise AssertionError("not refused")
    except _journal.JournalStateError as e:
        assert "[0, 4096)" in str(e)


def test_old_new_and_mixed_units_are_all_replayed(tmp_path):
    recs = [(100, b"x" * 5000), (9000, b"y" * 100), (150, b"z" * 10)]  # overlapping: later wins
    for applied in ([], [0], [0, 1, 2]):
        target = str(tmp_path / ("m%d.bin" % len(applied)))
        open(target, "wb").write(b"A" * 10000)
        _committed_over(target, recs)
        image = _journal.read(target).image()
        fd = os.open(target, os.O_RDWR)
        for i in applied:
            s, e, data = image[i]
            os.pwrite(fd, data, s)
        os.close(fd)
        assert _recover(target) == _journal.COMMITTED
        want = bytearray(b"A" * 10000)
        for off, data in recs:
            want[off:off + len(data)] = data
        assert open(target, "rb").read() == bytes(want)


def _recover(target):
    fd = os.open(target, os.O_RDWR)
    try:
        return _journal.recover(target, fd)
    finally:
        os.close(fd)


def test_damaged_after_commit_is_refused_and_never_cut(tmp_path):
    target = str(tmp_path / "d.bin")
    open(target, "wb").write(b"A" * 5000)
    jpath = _committed_over(target, [(10, b"new")], new_eof=6000)
    j = _journal.read(target)
    fd = os.open(target, os.O_RDWR)
    _journal.replay(fd, j)  # applied; the writer died before deleting the journal
    os.close(fd)
    applied = open(target, "rb").read()
    b = bytearray(open(jpath, "rb").read())
    b[64 + 25] ^= 1  # a WRITE record's byte
    open(jpath, "wb").write(bytes(b))
    assert _journal.parse(bytes(b)).applying and not _journal.parse(bytes(b)).committed
    for use in (lambda: _journal.read(target), lambda: _recover(target)):
        try:
            use()
            raise AssertionError("not refused")
        except _journal.JournalStateError as e:
            assert "damaged" in str(e) and jpath in str(e)
    assert open(target, "rb").read() == applied and open(jpath, "rb").read() == bytes(b)


def test_version_1_journal_only_used_when_already_applied(tmp_path):
    target = str(tmp_path / "v1.bin")
    open(target, "wb").write(b"A" * 3000)
    nonce = 5
    h = _journal.header_v1(3000, 9, nonce)
    rec = _journal.write_record(nonce, 100, b"NEW")
    body = h + rec
    body += _journal.commit_record(zlib.crc32(body) & 0xFFFFFFFF, 3000, 1, 3, nonce)
    jpath = _journal.sidecar(target, "journal")
    open(jpath, "wb").write(body)
    j = _journal.parse(body)
    assert j.committed and j.version == 1
    try:
        _recover(target)
        raise AssertionError("not refused")
    except _journal.JournalStateError as e:
        assert "version 1" in str(e)
    assert open(target, "rb").read() == b"A" * 3000
    open(target, "r+b").write(b"A" * 100 + b"NEW")  # applied by hand
    assert _journal.read(target).status == _journal.APPLIED
    assert _recover(target) == _journal.COMMITTED and not os.path.exists(jpath)
    assert open(target, "rb").read() == b"A" * 100 + b"NEW" + b"A" * 2897
