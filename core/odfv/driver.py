"""Feature Workbench: runs the Python transformations of on-demand feature views (ODFVs).

Started once per retrieval by core/odfv/runner.ts. The process reads requests from stdin and answers on the
stdout it was started with; anything the user's code prints (Python or C level) goes to stderr or is captured
per batch, so it can never corrupt the answers.

A message, both ways: 4 bytes (unsigned, little-endian) giving the length of a UTF-8 JSON header, the header,
then `header["bodyBytes"]` bytes of column buffers. Requests (`op`):

- hello:     {needPandas}                 -> versions of Python, pandas, numpy (pandas imported only if asked)
- define:    {odfv, mode, functionName, sourceText} -> the function is compiled from the stored source text
- transform: {rows, columns, steps}       -> every step's outputs, checked against the declared types
- close

Column buffers (see exchange.ts): values little-endian; validity one byte per row (1 = value, 0 = null), absent
when the column has no nulls; strings and binaries as int32 offsets (rows + 1) and the bytes. Every check of the
user's outputs happens here, where the values are, so an error can name the first bad row.

Python 3.8 or later; the standard library only, plus pandas and numpy for pandas-mode views.
"""

import ast
import datetime as _dt
import decimal
import io
import json
import linecache
import math
import numbers
import os
import struct
import sys
import textwrap
import traceback
from array import array
from contextlib import redirect_stderr, redirect_stdout

np = None
pd = None

EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
EPOCH_NAIVE = _dt.datetime(1970, 1, 1)
EPOCH_DATE = _dt.date(1970, 1, 1)
INT_RANGES = {32: (-(2**31), 2**31 - 1), 64: (-(2**63), 2**63 - 1)}
FLOAT32_MAX = 3.4028234663852886e38
# Captured output of one batch is cut to this many characters (the head and the tail are kept).
MAX_OUTPUT_CHARS = 20000
UNIT_MICROS = {"s": 1000000, "ms": 1000, "us": 1}


def _typecode(size, signed):
    for code in ("b", "h", "i", "l", "q") if signed else ("B", "H", "I", "L", "Q"):
        if array(code).itemsize == size:
            return code
    raise RuntimeError("no array type code for %d-byte integers" % size)


INT_CODES = {(bits, signed): _typecode(bits // 8, signed) for bits in (8, 16, 32, 64) for signed in (True, False)}
LITTLE = sys.byteorder == "little"


def _array_from(code, buf):
    values = array(code)
    values.frombytes(buf)
    if not LITTLE:
        values.byteswap()
    return values


def _array_bytes(values):
    if not LITTLE:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


class Failure(Exception):
    """An error to report to the workbench: `info` becomes the answer's `error`."""

    def __init__(self, **info):
        super().__init__(info.get("message", ""))
        self.info = info


class BadValue(Exception):
    def __init__(self, row, value, reason):
        super().__init__(reason)
        self.row = row
        self.value = value
        self.reason = reason


# ---------------------------------------------------------------------------------------------------------
# Framing


class Channel:
    def __init__(self):
        # Keep the real stdin/stdout for the protocol; fd 0 becomes /dev/null and fd 1 a copy of stderr, so
        # nothing the user's code reads or prints (even from C) touches the protocol.
        self.incoming = os.fdopen(os.dup(0), "rb", buffering=1 << 20)
        self.outgoing = os.fdopen(os.dup(1), "wb", buffering=0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.dup2(2, 1)

    def _read_exact(self, size):
        buf = bytearray(size)
        view = memoryview(buf)
        got = 0
        while got < size:
            n = self.incoming.readinto(view[got:])
            if not n:
                return None
            got += n
        return buf

    def receive(self):
        prefix = self._read_exact(4)
        if prefix is None:
            return None, None
        (length,) = struct.unpack("<I", prefix)
        header = json.loads(bytes(self._read_exact(length)).decode("utf-8"))
        body = self._read_exact(header.get("bodyBytes", 0)) if header.get("bodyBytes", 0) else bytearray()
        return header, body

    def send(self, header, pieces=()):
        pieces = [bytes(p) if not isinstance(p, (bytes, bytearray)) else p for p in pieces]
        header = dict(header)
        header["bodyBytes"] = sum(len(p) for p in pieces)
        data = json.dumps(header, allow_nan=False).encode("utf-8")
        self.outgoing.write(struct.pack("<I", len(data)) + data)
        for piece in pieces:
            if piece:
                self.outgoing.write(piece)


class Body:
    """Output buffers, each starting at a multiple of 8 bytes."""

    def __init__(self):
        self.pieces = []
        self.size = 0

    def add(self, data):
        pad = (-self.size) % 8
        if pad:
            self.pieces.append(b"\0" * pad)
            self.size += pad
        start = self.size
        self.pieces.append(data)
        self.size += len(data)
        return [start, len(data)]


# ---------------------------------------------------------------------------------------------------------
# Inputs: column buffers -> pandas columns (as pyarrow's Table.to_pandas makes them) or lists of Python
# values (as Table.to_pydict makes them)


def _span(body, spec, key):
    start, length = spec[key]
    return memoryview(body)[start : start + length]


def _validity(body, spec):
    if "validity" not in spec:
        return None
    return bytes(_span(body, spec, "validity"))


def _tzinfo(name):
    if name is None:
        return None
    if name in ("UTC", "utc", "Z", "+00:00", "Etc/UTC"):
        return _dt.timezone.utc
    if len(name) == 6 and name[0] in "+-" and name[3] == ":":
        sign = 1 if name[0] == "+" else -1
        return _dt.timezone(sign * _dt.timedelta(hours=int(name[1:3]), minutes=int(name[4:6])))
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:
        raise Failure(kind="protocol", message="unknown time zone %r" % name)


def _texts(body, spec, binary):
    rows = spec["length"]
    offsets = _array_from("i" if array("i").itemsize == 4 else "l", _span(body, spec, "offsets")).tolist()
    data = bytes(_span(body, spec, "values"))
    if binary:
        return [data[offsets[i] : offsets[i + 1]] for i in range(rows)]
    if data.isascii():
        text = data.decode("ascii")
        return [text[offsets[i] : offsets[i + 1]] for i in range(rows)]
    return [data[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(rows)]


def python_values(body, spec):
    """A column as a list of Python values (None for nulls)."""
    kind = spec["kind"]
    rows = spec["length"]
    valid = _validity(body, spec)
    if kind == "null":
        return [None] * rows
    if kind == "int":
        values = _array_from(INT_CODES[(spec["bits"], spec["signed"])], _span(body, spec, "values")).tolist()
    elif kind == "float":
        values = _array_from("f" if spec["bits"] == 32 else "d", _span(body, spec, "values")).tolist()
    elif kind == "bool":
        values = [b != 0 for b in bytes(_span(body, spec, "values"))]
    elif kind in ("utf8", "binary"):
        values = _texts(body, spec, kind == "binary")
    elif kind == "decimal":
        values = [decimal.Decimal(t) for t in _texts(body, spec, False)]
    elif kind == "timestamp":
        raw = _array_from(INT_CODES[(64, True)], _span(body, spec, "values")).tolist()
        tz = _tzinfo(spec.get("tz"))
        unit = spec["unit"]
        values = []
        for i, v in enumerate(raw):
            if valid is not None and not valid[i]:
                values.append(None)
                continue
            micros = v // 1000 if unit == "ns" else v * UNIT_MICROS[unit]
            if tz is None:
                values.append(EPOCH_NAIVE + _dt.timedelta(microseconds=micros))
            else:
                values.append((EPOCH + _dt.timedelta(microseconds=micros)).astimezone(tz))
        return values
    elif kind == "date":
        raw = _array_from(INT_CODES[(32, True)], _span(body, spec, "values")).tolist()
        values = [EPOCH_DATE + _dt.timedelta(days=d) for d in raw]
    else:
        raise Failure(kind="protocol", message="unknown column kind %r" % kind)
    if valid is not None:
        values = [v if ok else None for v, ok in zip(values, valid)]
    return values


def pandas_values(body, spec):
    """A column as pyarrow's to_pandas gives it: numpy dtypes, NaN/NaT/None for nulls."""
    kind = spec["kind"]
    rows = spec["length"]
    valid = _validity(body, spec)
    mask = None if valid is None else np.frombuffer(valid, dtype=np.uint8) == 0
    if mask is not None and not mask.any():
        mask = None
    if kind == "int":
        dtype = np.dtype(("<i" if spec["signed"] else "<u") + str(spec["bits"] // 8))
        values = np.frombuffer(_span(body, spec, "values"), dtype=dtype, count=rows)
        if mask is None:
            return values.astype(dtype.newbyteorder("="))
        out = values.astype(np.float64)
        out[mask] = np.nan
        return out
    if kind == "float":
        dtype = np.dtype("<f4" if spec["bits"] == 32 else "<f8")
        out = np.frombuffer(_span(body, spec, "values"), dtype=dtype, count=rows).astype(dtype.newbyteorder("="))
        if mask is not None:
            out[mask] = np.nan
        return out
    if kind == "bool":
        values = np.frombuffer(_span(body, spec, "values"), dtype=np.uint8, count=rows) != 0
        if mask is None:
            return values
        out = values.astype(object)
        out[mask] = None
        return out
    if kind == "timestamp":
        raw = np.frombuffer(_span(body, spec, "values"), dtype="<i8", count=rows).astype(np.int64)
        unit = spec["unit"]
        factor = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[unit]
        if factor != 1:
            limit = np.iinfo(np.int64).max // factor
            live = raw if mask is None else raw[~mask]
            if live.size and (live.max() > limit or live.min() < -limit):
                raise Failure(
                    kind="input",
                    message="column %s holds a timestamp outside pandas' range (years 1677-2262)" % spec["name"],
                )
            raw = raw * factor
        if mask is not None:
            raw[mask] = np.iinfo(np.int64).min  # NaT
        series = pd.Series(raw.view("M8[ns]"))
        tz = spec.get("tz")
        if tz is not None:
            series = series.dt.tz_localize("UTC")
            if tz not in ("UTC", "utc"):
                series = series.dt.tz_convert(_tzinfo(tz))
        return series
    values = python_values(body, spec)
    out = np.empty(rows, dtype=object)
    out[:] = values
    return out


# ---------------------------------------------------------------------------------------------------------
# Outputs: checked against the declared value type, encoded as column buffers


def _describe(value):
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return "%s (%s)" % (text, type(value).__name__)


def _is_missing(value, nan_is_null):
    if value is None:
        return True
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return True
    if nan_is_null and isinstance(value, float) and math.isnan(value):
        return True
    if nan_is_null and np is not None and isinstance(value, np.floating) and np.isnan(value):
        return True
    return False


def _is_bool(value):
    return isinstance(value, bool) or (np is not None and isinstance(value, np.bool_))


def _check_int(value, bits):
    if _is_bool(value):
        raise ValueError("a bool is not an integer")
    if isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, (float, decimal.Decimal)) or (np is not None and isinstance(value, np.floating)):
        if not math.isfinite(value) or value != math.floor(value):
            raise ValueError("not an integer")
        number = int(value)
    else:
        raise ValueError("not an integer")
    low, high = INT_RANGES[bits]
    if number < low or number > high:
        raise ValueError("outside the INT%d range" % bits)
    return number


def _check_float(value, bits):
    if _is_bool(value):
        raise ValueError("a bool is not a number")
    if not isinstance(value, numbers.Real) and not isinstance(value, decimal.Decimal):
        raise ValueError("not a number")
    number = float(value)
    if bits == 32 and math.isfinite(number) and abs(number) > FLOAT32_MAX:
        raise ValueError("too large for FLOAT (32-bit)")
    return number


def _check_bool(value):
    if not _is_bool(value):
        raise ValueError("not a bool")
    return bool(value)


def _check_str(value):
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value


def _check_bytes(value):
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise ValueError("not bytes")
    return bytes(value)


def _check_timestamp(value):
    if pd is not None and isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_convert("UTC").tz_localize(None)
        return value.value // 1000
    if np is not None and isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return int(value.astype("datetime64[us]").astype(np.int64))
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        delta = value - EPOCH_NAIVE
        return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds
    raise ValueError("not a timestamp")


TYPES = {
    # declared value type -> (output kind, per-value check)
    "INT32": ("int32", lambda v: _check_int(v, 32)),
    "INT64": ("int64", lambda v: _check_int(v, 64)),
    "FLOAT": ("float32", lambda v: _check_float(v, 32)),
    "DOUBLE": ("float64", lambda v: _check_float(v, 64)),
    "BOOL": ("bool", _check_bool),
    "STRING": ("utf8", _check_str),
    "BYTES": ("binary", _check_bytes),
    "UNIX_TIMESTAMP": ("timestamp", _check_timestamp),
}


def _encode(kind, values, valid, body):
    """values: checked Python values (anything for nulls); valid: list of bools or None."""
    spec = {"kind": kind, "length": len(values)}
    if valid is not None and not all(valid):
        spec["validity"] = body.add(bytes(bytearray(1 if v else 0 for v in valid)))
        spec["nullCount"] = len(valid) - sum(valid)
    else:
        spec["nullCount"] = 0
    if kind in ("int32", "int64", "timestamp"):
        code = INT_CODES[(32 if kind == "int32" else 64, True)]
        spec["values"] = body.add(_array_bytes(array(code, values)))
    elif kind in ("float32", "float64"):
        spec["values"] = body.add(_array_bytes(array("f" if kind == "float32" else "d", values)))
    elif kind == "bool":
        spec["values"] = body.add(bytes(bytearray(1 if v else 0 for v in values)))
    else:
        chunks = [v.encode("utf-8") if kind == "utf8" else v for v in values]
        offsets = [0]
        total = 0
        for chunk in chunks:
            total += len(chunk)
            offsets.append(total)
        if total >= 2**31:
            raise Failure(kind="result", message="a batch's text output exceeds 2 GiB; use smaller batches")
        spec["offsets"] = body.add(_array_bytes(array(INT_CODES[(32, True)], offsets)))
        spec["values"] = body.add(b"".join(chunks))
    return spec


FILLERS = {"int32": 0, "int64": 0, "timestamp": 0, "float32": 0.0, "float64": 0.0, "bool": False, "utf8": "", "binary": b""}


def encode_values(values, value_type, nan_is_null, body):
    """Checks a list of Python values one by one; raises BadValue at the first bad one."""
    kind, check = TYPES[value_type]
    out = []
    valid = []
    filler = FILLERS[kind]
    for row, value in enumerate(values):
        if _is_missing(value, nan_is_null):
            out.append(filler)
            valid.append(False)
            continue
        try:
            checked = check(value)
        except ValueError as error:
            raise BadValue(row, value, str(error))
        if checked is None:
            out.append(filler)
            valid.append(False)
        else:
            out.append(checked)
            valid.append(True)
    return _encode(kind, out, valid, body)


def _first(flags):
    return int(np.flatnonzero(flags)[0])


def encode_numpy(values, value_type, nan_is_null, body):
    """Vectorised checks for numpy arrays of numbers, bools and datetimes; None when the per-value path applies."""
    kind, _ = TYPES[value_type]
    dtype = values.dtype
    rows = len(values)
    if dtype.kind == "O" or dtype.kind not in "biufM":
        return None
    spec = {"kind": kind, "length": rows, "nullCount": 0}
    missing = None
    if value_type in ("INT32", "INT64"):
        if dtype.kind not in "iuf":
            return None
        low, high = INT_RANGES[32 if value_type == "INT32" else 64]
        if dtype.kind == "f":
            nan = np.isnan(values)
            if nan.any() and not nan_is_null:
                raise BadValue(_first(nan), values[_first(nan)], "not an integer")
            missing = nan if nan.any() else None
            live = np.where(nan, 0, values)
            # 2**63 - 1 is not a float: the INT64 bound is checked as "below 2**63".
            above = (live > high) if value_type == "INT32" else (live >= 2.0**63)
            bad = ~np.isfinite(live) | (np.floor(live) != live) | (live < low) | above
            if bad.any():
                row = _first(bad)
                reason = "not an integer" if np.floor(live[row]) != live[row] else "outside the %s range" % value_type
                raise BadValue(row, values[row], reason)
            ints = live.astype("<i4" if value_type == "INT32" else "<i8")
        else:
            if dtype.kind == "u":
                bad = values > np.uint64(high)
            else:
                bad = (values < low) | (values > high)
            if rows and bad.any():
                row = _first(bad)
                raise BadValue(row, values[row], "outside the %s range" % value_type)
            ints = values.astype("<i4" if value_type == "INT32" else "<i8")
        spec["values"] = body.add(ints.tobytes())
    elif value_type in ("FLOAT", "DOUBLE"):
        if dtype.kind not in "iuf":
            return None
        floats = values.astype(np.float64)
        if nan_is_null and dtype.kind == "f":
            nan = np.isnan(floats)
            missing = nan if nan.any() else None
        if value_type == "FLOAT":
            over = np.isfinite(floats) & (np.abs(floats) > FLOAT32_MAX)
            if over.any():
                row = _first(over)
                raise BadValue(row, values[row], "too large for FLOAT (32-bit)")
            with np.errstate(over="ignore"):
                spec["values"] = body.add(floats.astype("<f4").tobytes())
        else:
            spec["values"] = body.add(floats.astype("<f8").tobytes())
    elif value_type == "BOOL":
        if dtype.kind != "b":
            return None
        spec["values"] = body.add(values.astype(np.uint8).tobytes())
    elif value_type == "UNIX_TIMESTAMP":
        if dtype.kind != "M":
            return None
        ns = values.astype("datetime64[ns]").view(np.int64)
        nat = np.isnat(values)
        missing = nat if nat.any() else None
        spec["values"] = body.add((np.where(nat, 0, ns) // 1000).astype("<i8").tobytes())
    else:
        return None
    if missing is not None:
        spec["validity"] = body.add((~missing).astype(np.uint8).tobytes())
        spec["nullCount"] = int(missing.sum())
    return spec


def encode_output(values, value_type, nan_is_null, body):
    if np is not None and isinstance(values, np.ndarray):
        spec = encode_numpy(values, value_type, nan_is_null, body)
        if spec is not None:
            return spec
        values = values.tolist() if values.dtype.kind != "O" else list(values)
    return encode_values(values, value_type, nan_is_null, body)


def pandas_column(series):
    """A pandas Series as a numpy array for the checks (timezone-aware datetimes as UTC datetime64)."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        return series.to_numpy()
    if isinstance(dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    # Extension types (Int64, boolean, string, category...): values with pd.NA for nulls.
    return series.astype(object).to_numpy()


# ---------------------------------------------------------------------------------------------------------
# User functions


def compile_function(odfv, function_name, source_text):
    """Exec the stored source with the function's decorators removed; line numbers stay those of the source."""
    filename = "<on-demand feature view %s>" % odfv
    source = textwrap.dedent(source_text)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as error:
        raise Failure(
            kind="define",
            message="its stored source text is not valid Python: %s (line %s)" % (error.msg, error.lineno),
            traceback="".join(traceback.format_exception_only(type(error), error)),
        )
    functions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    target = next((f for f in functions if f.name == function_name), None)
    if target is None:
        raise Failure(
            kind="define",
            message="its stored source text defines no function named %s (it defines: %s)"
            % (function_name, ", ".join(f.name for f in functions) or "none"),
        )
    # The decorator (Feast's @on_demand_feature_view(...)) would need Feast and the repo's objects.
    target.decorator_list = []
    namespace = {"__name__": "fwb_odfv_%s" % odfv, "__builtins__": __builtins__}
    if pd is not None:
        namespace.update(pd=pd, pandas=pd)
    if np is not None:
        namespace.update(np=np, numpy=np)
    output = io.StringIO()
    try:
        with redirect_stdout(output), redirect_stderr(output):
            exec(compile(tree, filename, "exec"), namespace)
    except BaseException as error:
        raise Failure(
            kind="define",
            message="running its stored source text raised %s" % _exception_line(error),
            traceback=_user_traceback(error),
            output=_clip(output.getvalue()),
        )
    function = namespace.get(function_name)
    if not callable(function):
        raise Failure(kind="define", message="%s is not a function after running its source text" % function_name)
    return function


def _user_traceback(error):
    """The traceback from the user's code on: the driver's frame that made the call is left out."""
    tb = error.__traceback__
    tb = tb.tb_next if tb is not None and tb.tb_next is not None else tb
    return "".join(traceback.format_exception(type(error), error, tb))


def _exception_line(error):
    return "".join(traceback.format_exception_only(type(error), error)).strip()


def _clip(text):
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    half = MAX_OUTPUT_CHARS // 2
    return text[:half] + "\n[... %d characters left out ...]\n" % (len(text) - 2 * half) + text[-half:]


class Driver:
    def __init__(self, channel):
        self.channel = channel
        self.functions = {}

    def hello(self, request):
        global np, pd
        answer = {"ok": True, "python": sys.version.split()[0], "executable": sys.executable}
        if tuple(sys.version_info[:2]) < (3, 8):
            answer["problem"] = "Python 3.8 or later is needed"
        if request.get("needPandas"):
            try:
                import pandas
                import numpy

                np, pd = numpy, pandas
                answer["pandas"] = pandas.__version__
                answer["numpy"] = numpy.__version__
            except Exception as error:
                answer["pandasError"] = _exception_line(error)
        else:
            try:
                import numpy

                np = numpy
                answer["numpy"] = numpy.__version__
            except Exception:
                pass
        return answer, []

    def define(self, request):
        mode = request["mode"]
        if mode not in ("pandas", "python"):
            raise Failure(kind="define", message="mode %r is not supported" % mode)
        if mode == "pandas" and pd is None:
            raise Failure(kind="define", message="pandas mode needs pandas, which was not loaded")
        function = compile_function(request["odfv"], request["functionName"], request["sourceText"])
        self.functions[request["odfv"]] = (mode, function)
        return {"ok": True}, []

    def transform(self, request, body):
        rows = request["rows"]
        specs = {spec["name"]: spec for spec in request["columns"]}
        order = [spec["name"] for spec in request["columns"]]
        buffers = {name: body for name in order}
        cache = {"pandas": {}, "python": {}}
        out = Body()
        answers = []
        for step in request["steps"]:
            odfv = step["odfv"]
            mode, function = self.functions[odfv]
            convert = pandas_values if mode == "pandas" else python_values
            columns = {}
            for name in order:
                if name not in cache[mode]:
                    cache[mode][name] = convert(buffers[name], specs[name])
                columns[name] = cache[mode][name]
            for alias, existing in step.get("aliases", []):
                if alias not in columns and existing in columns:
                    columns[alias] = columns[existing]
            if mode == "pandas":
                argument = pd.DataFrame({name: values for name, values in columns.items()}, index=pd.RangeIndex(rows))
            else:
                argument = {name: list(values) for name, values in columns.items()}
            captured = io.StringIO()
            try:
                with redirect_stdout(captured), redirect_stderr(captured):
                    result = function(argument)
            except BaseException as error:
                hint = ""
                if isinstance(error, NameError):
                    hint = (
                        " (the registry stores only the function's own source: names imported or defined at module"
                        " level in the feature repo are not available; import them inside the function)"
                    )
                raise Failure(
                    kind="raised",
                    odfv=odfv,
                    message="the transformation raised %s%s" % (_exception_line(error), hint),
                    traceback=_user_traceback(error),
                    output=_clip(captured.getvalue()),
                )
            nan_is_null = mode == "pandas"
            outputs = self._outputs(step, mode, result, rows, captured)
            for output, values in zip(step["outputs"], outputs):
                before = out.size
                before_pieces = len(out.pieces)
                try:
                    spec = encode_output(values, output["valueType"], nan_is_null, out)
                except BadValue as bad:
                    raise Failure(
                        kind="type",
                        odfv=odfv,
                        feature=output["feature"],
                        valueType=output["valueType"],
                        row=bad.row,
                        value=_describe(bad.value),
                        reason=bad.reason,
                        message="output %s is declared %s, but row %d of the batch holds %s: %s"
                        % (output["feature"], output["valueType"], bad.row, _describe(bad.value), bad.reason),
                        output=_clip(captured.getvalue()),
                    )
                spec["name"] = output["outputName"]
                answers.append(spec)
                # Later steps see this output as a column, as Feast appends each view's outputs to the table.
                piece = b"".join(bytes(p) for p in out.pieces[before_pieces:])
                shifted = dict(spec)
                shifted.update({k: [spec[k][0] - before, spec[k][1]] for k in ("validity", "values", "offsets") if k in spec})
                shifted["kind"], extra = _input_kind(spec["kind"])
                shifted.update(extra)
                specs[spec["name"]] = shifted
                buffers[spec["name"]] = piece
                if spec["name"] not in order:
                    order.append(spec["name"])
        return {"ok": True, "rows": rows, "columns": answers}, out.pieces

    def _outputs(self, step, mode, result, rows, captured):
        odfv = step["odfv"]

        def fail(message):
            return Failure(kind="result", odfv=odfv, message=message, output=_clip(captured.getvalue()))

        values = []
        if mode == "pandas":
            if not isinstance(result, pd.DataFrame):
                raise fail("the transformation returned %s; a pandas-mode view must return a pandas DataFrame" % type(result).__name__)
            if len(result) != rows:
                raise fail("the transformation returned %d rows for %d input rows" % (len(result), rows))
            names = [str(c) for c in result.columns]
        else:
            if not isinstance(result, dict):
                raise fail("the transformation returned %s; a python-mode view must return a dict of lists" % type(result).__name__)
            names = [str(c) for c in result.keys()]
        for output in step["outputs"]:
            candidates = [output["feature"], "%s__%s" % (step["name"], output["feature"])]
            found = next((c for c in candidates if c in names), None)
            if found is None:
                raise fail(
                    "the transformation returned no column %s (it returned: %s)"
                    % (output["feature"], ", ".join(names) or "no columns")
                )
            if mode == "pandas":
                column = result[found]
                if isinstance(column, pd.DataFrame):
                    raise fail("the transformation returned several columns named %s" % found)
                values.append(pandas_column(column))
            else:
                column = result[found]
                if np is not None and isinstance(column, np.ndarray):
                    pass
                elif pd is not None and isinstance(column, pd.Series):
                    column = pandas_column(column)
                elif isinstance(column, (list, tuple)):
                    column = list(column)
                else:
                    raise fail("the transformation returned %s for %s; expected a list" % (type(column).__name__, found))
                if len(column) != rows:
                    raise fail("the transformation returned %d values of %s for %d input rows" % (len(column), found, rows))
                values.append(column)
        return values


def _input_kind(kind):
    if kind in ("int32", "int64"):
        return "int", {"bits": 32 if kind == "int32" else 64, "signed": True}
    if kind in ("float32", "float64"):
        return "float", {"bits": 32 if kind == "float32" else 64}
    if kind == "timestamp":
        return "timestamp", {"unit": "us", "tz": "UTC"}
    return kind, {}


def main():
    channel = Channel()
    driver = Driver(channel)
    while True:
        request, body = channel.receive()
        if request is None or request.get("op") == "close":
            return
        op = request.get("op")
        try:
            if op == "hello":
                answer, pieces = driver.hello(request)
            elif op == "define":
                answer, pieces = driver.define(request)
            elif op == "transform":
                answer, pieces = driver.transform(request, body)
            else:
                raise Failure(kind="protocol", message="unknown request %r" % op)
        except Failure as failure:
            answer, pieces = {"ok": False, "error": failure.info}, []
        except BaseException as error:  # a bug here: report it rather than die silently
            answer = {
                "ok": False,
                "error": {"kind": "internal", "message": _exception_line(error), "traceback": traceback.format_exc()},
            }
            pieces = []
        channel.send(answer, pieces)


main()
