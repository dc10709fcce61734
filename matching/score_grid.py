"""Given scores as a CSV grid, a spreadsheet's export: a row per mentee, a column per mentor.

    mentee,r1,r2,r3
    e1,57,,80
    e2,12,33,

The first cell of the header is a label (ignored); the other header cells are mentor ids, the
first cell of every other line a mentee id, and each cell an integer 0..100 or empty (no score:
the pair is not allowed). Mentees without a line and mentors without a column get no scores.

The cells are parsed with numpy a block of lines at a time, into an int16 matrix in the input's
order: no Python object per cell, and memory bounded by the matrix plus one block, which is what
lets a 20,000 × 8,000 grid (160 million cells) run where one object per score cannot.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from matching.assignment import NOT_ALLOWED
from matching.errors import ScoreFileError

NEWLINE, RETURN, COMMA, QUOTE, ZERO = (ord(c) for c in '\n\r,"0')
EMPTY = np.uint8(255)  # an empty cell, while the cells are uint8; -1 (NOT_ALLOWED) as int8
assert np.array([EMPTY]).view(np.int8)[0] == NOT_ALLOWED
MAX_DIGITS = 3  # "100"; "007" is 7, as a spreadsheet would read it
BLOCK_BYTES = 128 << 10  # lines are parsed in blocks of about this size: it stays in cache

Positions = npt.NDArray[np.int64]
_INTEGER = re.compile(r"-?[0-9]+")  # what a cell may say, in range or not (int() takes more)


def _where(line: int, column: int | None = None) -> str:
    return f"line {line}" if column is None else f"line {line}, column {column}"


def _text(raw: bytes, line: int) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise ScoreFileError(_where(line), "not UTF-8 text") from None


def _header(raw: bytes, mentors: Mapping[str, int]) -> npt.NDArray[np.int64]:
    """The mentor (input index) of each score column; refuses unknown and repeated ids."""
    text = _text(raw.removeprefix(b"\xef\xbb\xbf"), 1).rstrip("\r\n")  # Excel writes a BOM
    cells = next(csv.reader([text]), [""])
    seen: dict[str, int] = {}
    columns = []
    for column, mentor_id in enumerate(cells[1:], start=2):
        if mentor_id not in mentors:
            raise ScoreFileError(_where(1, column), f"unknown mentor id {mentor_id!r}")
        if mentor_id in seen:
            raise ScoreFileError(
                _where(1, column), f"duplicate id {mentor_id!r} (also column {seen[mentor_id]})"
            )
        seen[mentor_id] = column
        columns.append(mentors[mentor_id])
    return np.array(columns, dtype=np.int64)


@dataclass(frozen=True)
class _LineProblem:
    index: int  # of the line in its block
    error: ScoreFileError


@dataclass
class _Reader:
    mentees: Mapping[str, int]
    columns: npt.NDArray[np.int64]  # input index of each score column's mentor
    matrix: npt.NDArray[np.int16]
    line_of_row: dict[int, int]  # input row -> the line that gave it
    next_line: int = 2  # the number of the first line of the next block

    @property
    def width(self) -> int:
        return len(self.columns)

    @cached_property
    def in_order(self) -> bool:
        """The columns are the input's mentors in the input's order: rows are copied whole."""
        return bool(np.array_equal(self.columns, np.arange(self.matrix.shape[1])))

    def block(self, data: bytes) -> None:
        """Parse whole lines (the file's last line may lack its newline)."""
        if not data.endswith(b"\n"):
            data += b"\n"
        text = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(text == NEWLINE)
        starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
        numbers = self.next_line + np.arange(len(ends))
        self.next_line += len(ends)
        stops = ends - ((ends > starts) & (text[np.maximum(ends - 1, 0)] == RETURN))
        cells = _Cells.of(text)
        keep = stops > starts  # blank lines say nothing
        for k in np.flatnonzero(~keep).tolist():
            cells.leave_out(int(starts[k]), int(ends[k]) + 1)
        starts, stops, ends, numbers = starts[keep], stops[keep], ends[keep], numbers[keep]
        if len(starts) == 0:
            return
        id_ends, counts = self._ids(data, cells, starts, stops, ends, numbers)
        rows, problem = self._rows(data, starts, id_ends, numbers)
        if problem is not None:  # a bad cell on an earlier line of the block comes first
            before = problem.index
            commas = np.flatnonzero(text == COMMA)
            self._cells(
                data,
                text,
                commas,
                id_ends[:before],
                stops[:before],
                numbers[:before],
                rows[:before],
            )
            raise problem.error
        values: npt.NDArray[np.integer] | None = cells.values(counts, self.width)
        if values is None:  # a problem somewhere: find the first, as the exact reader says it
            commas = np.flatnonzero(text == COMMA)
            values = self._cells(data, text, commas, id_ends, stops, numbers, rows)
        if self.in_order:
            self.matrix[rows] = values
        elif self.width:
            self.matrix[rows[:, None], self.columns[None, :]] = values

    def _ids(
        self,
        data: bytes,
        cells: _Cells,
        starts: Positions,
        stops: Positions,
        ends: Positions,
        numbers: Positions,
    ) -> tuple[Positions, Positions]:
        """Where each line's mentee id ends (its comma, or the line's end), and how many cells
        follow it; the ids' bytes are left out of the cells."""
        id_ends = np.empty(len(starts), dtype=np.int64)
        counts = np.empty(len(starts), dtype=np.int64)
        for k, (start, stop, end) in enumerate(
            zip(starts.tolist(), stops.tolist(), ends.tolist(), strict=True)
        ):
            if data[start] == QUOTE:  # a quoted id may hold commas
                id_end = _quoted_end(data, start, stop, int(numbers[k]))
            else:
                id_end = data.find(b",", start, stop)
                id_end = stop if id_end < 0 else id_end
            id_ends[k] = id_end
            cells.leave_out(start, id_end + 1 if id_end < stop else end + 1)
            counts[k] = np.count_nonzero(cells.ends[start : end + 1])
        return id_ends, counts

    def _rows(
        self, data: bytes, starts: Positions, id_ends: Positions, numbers: Positions
    ) -> tuple[Positions, _LineProblem | None]:
        """Each line's row in the input; stops at the first unknown or repeated mentee id."""
        rows = np.empty(len(starts), dtype=np.int64)
        for k, (start, stop, line) in enumerate(
            zip(starts.tolist(), id_ends.tolist(), numbers.tolist(), strict=True)
        ):
            raw = data[start:stop]
            mentee_id = _text(raw, line)
            if raw[:1] == b'"':
                mentee_id = next(csv.reader([mentee_id]))[0]
            row = self.mentees.get(mentee_id)
            if row is None:
                problem = f"unknown mentee id {mentee_id!r}"
                return rows, _LineProblem(k, ScoreFileError(_where(line, 1), problem))
            if row in self.line_of_row:
                problem = f"duplicate id {mentee_id!r} (also line {self.line_of_row[row]})"
                return rows, _LineProblem(k, ScoreFileError(_where(line, 1), problem))
            self.line_of_row[row] = line
            rows[k] = row
        return rows, None

    def _cells(
        self,
        data: bytes,
        text: npt.NDArray[np.uint8],
        commas: Positions,
        id_ends: Positions,
        stops: Positions,
        numbers: Positions,
        rows: Positions,
    ) -> npt.NDArray[np.int16]:
        """The score cells of the block's lines, (lines, width); NOT_ALLOWED where empty."""
        low = np.searchsorted(commas, id_ends, side="right")
        high = np.searchsorted(commas, stops)
        got = np.where(id_ends < stops, high - low + 1, 0)
        wrong = np.flatnonzero(got != self.width)
        if len(wrong):
            k = int(wrong[0])
            raise ScoreFileError(
                _where(int(numbers[k])),
                f"expected {self.width} cells after the mentee id (one per mentor column), "
                f"got {int(got[k])}",
            )
        if self.width == 0:
            return np.empty((len(rows), 0), dtype=np.int16)
        # every line has width - 1 commas after its id: they are the cells' inner bounds
        inner = _ranges(low, high)
        bounds = np.empty((len(rows), self.width + 1), dtype=np.int64)
        bounds[:, 0] = id_ends
        bounds[:, 1:-1] = commas[inner].reshape(len(rows), self.width - 1)
        bounds[:, -1] = stops
        begin = bounds[:, :-1] + 1
        length = bounds[:, 1:] - begin
        values, good = _numbers(text, begin, length)
        if not good.all():
            k = int(np.argmax(~good.ravel()))
            line, column = divmod(k, self.width)
            start = int(begin.ravel()[k])
            cell = data[start : start + int(length.ravel()[k])]
            raise ScoreFileError(
                _where(int(numbers[line]), column + 2), _bad_cell(_text(cell, int(numbers[line])))
            )
        return values


@dataclass
class _Cells:
    """A block's cells found with whole-array operations on its bytes, no per-cell positions:
    `ends` marks the byte that ends a cell (a comma, or the line's CR or LF), `value` holds at
    each byte the number its up to three preceding digits make (255: no digit before it), and
    `bad` marks bytes no cell may hold. Ids and blank lines are left out before reading.

    All of it is uint8 work: a valid cell is at most 100, and `value` at bytes that end no cell,
    or end a bad one, is never read."""

    ends: npt.NDArray[np.bool_]
    value: npt.NDArray[np.uint8]
    bad: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, text: npt.NDArray[np.uint8]) -> _Cells:
        padded = np.concatenate([np.zeros(MAX_DIGITS, dtype=np.uint8), text])
        digit = padded - np.uint8(ZERO)  # wraps below '0': > 9 too
        is_digit = digit < 10
        units, tens, hundreds = digit[2:-1], digit[1:-2], digit[:-3]  # the 3 bytes before
        one = is_digit[2:-1]
        two = one & is_digit[1:-2]
        three = two & is_digit[:-3]
        # masks as 0/1 factors: np.where and masked stores cost ~50× a uint8 multiply
        value = units + tens * np.uint8(10) * two.view(np.uint8)
        value += hundreds * np.uint8(100) * three.view(np.uint8)  # hundreds ≤ 1 if good
        value |= one.view(np.uint8) - np.uint8(1)  # EMPTY (all ones) where no digit
        comma, newline = text == COMMA, text == NEWLINE
        ends = comma | newline
        bad = ~(ends | is_digit[MAX_DIGITS:])
        bad |= three & (is_digit[MAX_DIGITS:] | (hundreds > 1))  # a fourth digit, or ≥ 200
        returns = text == RETURN
        if returns.any():  # CR LF ends a line once, at the CR
            ends |= returns
            ends[1:] &= ~(newline[1:] & returns[:-1])
            bad &= ~returns
        return cls(ends, value, bad)

    def leave_out(self, start: int, stop: int) -> None:
        self.ends[start:stop] = False
        self.bad[start:stop] = False

    def values(self, counts: Positions, width: int) -> npt.NDArray[np.int8] | None:
        """The cells of the lines, (lines, width) as int8, NOT_ALLOWED where empty; None if a
        line has another number of cells or a cell is not an integer 0..100 or empty."""
        if (counts != width).any() or self.bad.any():
            return None
        values = np.compress(self.ends, self.value)  # 3× faster than value[ends]
        if ((values > 100) & (values != EMPTY)).any():
            return None
        return values.view(np.int8).reshape(len(counts), width)  # EMPTY is -1 as int8


def _quoted_end(data: bytes, start: int, stop: int, line: int) -> int:
    """The end of a quoted id ("a ""b"", c"); it must be followed by a comma or the line end."""
    at = start + 1
    while True:
        close = data.find(b'"', at, stop)
        if close < 0:
            raise ScoreFileError(_where(line, 1), "a quoted mentee id is not closed")
        if data[close + 1 : close + 2] == b'"':
            at = close + 2
            continue
        if close + 1 < stop and data[close + 1] != COMMA:
            raise ScoreFileError(_where(line, 1), "text after a quoted mentee id")
        return close + 1


def _ranges(low: Positions, high: Positions) -> Positions:
    """The indices low[k]..high[k]-1 of every k, in order, without a Python loop."""
    sizes = high - low
    before = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return np.repeat(low - before, sizes) + np.arange(int(sizes.sum()))


def _numbers(
    text: npt.NDArray[np.uint8], begin: Positions, length: Positions
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.bool_]]:
    """Cells of up to three digits as int16 (NOT_ALLOWED when empty), and which were valid."""
    padded = np.concatenate([text, np.zeros(MAX_DIGITS, dtype=np.uint8)])
    value = np.zeros(begin.shape, dtype=np.int16)
    good = length <= MAX_DIGITS
    for place in range(MAX_DIGITS):
        digit = padded[begin + place] - np.uint8(ZERO)  # wraps below '0': > 9 too
        used = length > place
        good &= ~used | (digit <= 9)
        value = np.where(used, value * 10 + digit, value)
    good &= value <= 100
    value[length == 0] = NOT_ALLOWED
    return value, good


def _bad_cell(cell: str) -> str:
    if _INTEGER.fullmatch(cell):
        return f"must be 0..100, got {int(cell)}"
    return f"expected an integer 0..100 or an empty cell, got {cell!r}"


def _blocks(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The bytes again in blocks of whole lines of about `size` bytes (a longer line is a block
    of its own; the last block may lack its final newline)."""
    rest = b""
    for chunk in chunks:
        data = rest + chunk
        start = 0
        while len(data) - start >= size:
            cut = data.rfind(b"\n", start, start + size) + 1 or data.find(b"\n", start) + 1
            if not cut:
                break
            yield data[start:cut]
            start = cut
        rest = data[start:]
    if rest:
        yield rest


def read_score_grid(
    chunks: Iterable[bytes],
    mentees: Mapping[str, int],
    mentors: Mapping[str, int],
    *,
    block_bytes: int = BLOCK_BYTES,
) -> npt.NDArray[np.int16]:
    """The grid's scores as a (mentees, mentors) matrix in the input's order.

    `chunks` is the file's bytes in pieces of any size; `mentees` and `mentors` map ids to
    their index in the input. Raises `ScoreFileError` for the first bad line or cell.
    """
    matrix = np.full((len(mentees), len(mentors)), NOT_ALLOWED, dtype=np.int16)
    reader: _Reader | None = None
    for data in _blocks(chunks, block_bytes):
        if reader is None:
            head_end = data.find(b"\n") + 1 or len(data)
            reader = _Reader(mentees, _header(data[:head_end], mentors), matrix, {})
            data = data[head_end:]
        reader.block(data)
    if reader is None:
        raise ScoreFileError(_where(1), "no header line (a label, then one mentor id a column)")
    return matrix
