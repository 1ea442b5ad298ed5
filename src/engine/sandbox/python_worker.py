"""Rampart Python script-step worker: a fork server.

Started by the parent (python.ts) as `python3 -I -S -B python_worker.py <maxMemoryMb> <uid> <gid>`
with an empty environment and an empty working directory. At start it preloads the modules scripts
may import, makes that directory its root (chroot) and, when started as root, becomes <uid>:<gid>;
then it drops every capability, sets no_new_privs and installs a seccomp filter that denies
opening files, sockets, exec and the other ways out of the process. Then, for each run, it hands
the request to a child forked *ahead of time* (so the fork is off the critical path): the child
sets its own memory and CPU limits, installs a second seccomp filter (no fork, no signals to
others, no rlimit changes), an audit hook and a restricted set of builtins, runs the script once
and exits. The server wipes each run's payload and response before it forks the next child, so
a script never sees another run's state, and the server enforces the wall-clock timeout by killing
the child, not itself.

Framing on fds 0/1 (moved to private fds at start): 4-byte big-endian length, then UTF-8 JSON.
  parent -> server: {"op":"run","limits":{..}} followed by {"code":..,"input":..} | {"op":"cancel"}
  (the server reads only the small header; the payload goes to the child as it came)
  server -> parent: {"ready":true} when a child is forked and waiting, then one result per run:
                    {"ok":true,"logs":[..],"output":..} | {"ok":false,"error":{..},"logs":[..]}
"""

import sys

import builtins
import ctypes
import json
import linecache
import os
import resource
import select
import signal
import struct
import time
import traceback

# Modules a script may import. They are all loaded here, before the seccomp filter forbids
# opening files, so importing them later is a dictionary look-up.
ALLOWED_MODULES = (
    "base64", "binascii", "bisect", "calendar", "collections", "collections.abc", "copy", "csv",
    "dataclasses", "datetime", "decimal", "difflib", "enum", "fnmatch", "fractions", "functools",
    "hashlib", "heapq", "hmac", "html", "ipaddress", "itertools", "json", "math", "operator",
    "pprint", "random", "re", "secrets", "statistics", "string", "struct", "textwrap", "time",
    "typing", "unicodedata", "urllib.parse", "uuid", "zlib", "io",
)
# Loaded lazily by the modules above or by str.encode/bytes.decode; preloaded for the same reason.
SUPPORT_MODULES = (
    "_strptime", "encodings.ascii", "encodings.latin_1", "encodings.utf_16", "encodings.utf_32",
    "encodings.idna", "encodings.cp1252", "encodings.hex_codec", "encodings.base64_codec",
    "encodings.unicode_escape", "encodings.raw_unicode_escape", "stringprep", "json.decoder",
    "json.encoder", "json.scanner",
)

# Support modules stay importable because C code (datetime.strptime, codecs) imports them lazily
# through the script's own __import__.
IMPORTABLE = frozenset(ALLOWED_MODULES + SUPPORT_MODULES)

REMOVED_BUILTINS = ("open", "input", "breakpoint", "help", "exit", "quit", "copyright", "credits",
                    "license", "__import__", "__loader__", "__spec__")

# Audit events a script may never raise (prefix match). The seccomp filter is the real boundary;
# this gives a clear "forbidden" error before the kernel says EPERM.
DENIED_EVENTS = (
    "open", "os.", "socket.", "subprocess.", "shutil.", "ctypes.", "pty.", "fcntl.", "mmap.",
    "marshal.", "pickle.", "sys.addaudithook", "sys.settrace", "sys.setprofile", "sys.remote_exec",
    "cpython.", "code.__new__", "import", "builtins.input", "builtins.breakpoint", "glob.",
    "tempfile.", "sqlite3.", "syslog.", "signal.", "resource.", "urllib.Request", "ftplib.",
    "http.client.", "smtplib.", "poplib.", "imaplib.", "nntplib.", "telnetlib.", "webbrowser.",
    "_thread.", "threading.", "gc.", "sys._current_frames", "sys.unraisablehook",
    "sys.excepthook", "function.__new__", "setopencodehook",
)

# --- seccomp -------------------------------------------------------------------------------------

# name: (x86_64, aarch64). None where the architecture has no such call.
SERVER_DENY = {
    "open": (2, None), "creat": (85, None), "openat": (257, 56), "openat2": (437, 437),
    "open_by_handle_at": (304, 265), "name_to_handle_at": (303, 264),
    "socket": (41, 198), "socketpair": (53, 199), "connect": (42, 203), "accept": (43, 202),
    "accept4": (288, 242), "bind": (49, 200), "listen": (50, 201),
    "execve": (59, 221), "execveat": (322, 281), "ptrace": (101, 117),
    "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "chroot": (161, 51),
    "unshare": (272, 97), "setns": (308, 268),
    "mkdir": (83, None), "mkdirat": (258, 34), "rmdir": (84, None), "unlink": (87, None),
    "unlinkat": (263, 35), "rename": (82, None), "renameat": (264, 38), "renameat2": (316, 276),
    "link": (86, None), "linkat": (265, 37), "symlink": (88, None), "symlinkat": (266, 36),
    "chmod": (90, None), "fchmod": (91, 52), "fchmodat": (268, 53), "chown": (92, None),
    "fchown": (93, 55), "lchown": (94, None), "fchownat": (260, 54), "truncate": (76, 45),
    "mknod": (133, None), "mknodat": (259, 33),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "memfd_create": (319, 279), "init_module": (175, 105), "finit_module": (313, 273),
    "delete_module": (176, 106), "kexec_load": (246, 104), "kexec_file_load": (320, 294),
    "reboot": (169, 142), "swapon": (167, 224), "swapoff": (168, 225), "acct": (163, 89),
    "settimeofday": (164, 170), "clock_settime": (227, 112), "sethostname": (170, 161),
    "setdomainname": (171, 162), "iopl": (172, None), "ioperm": (173, None),
    "personality": (135, 92), "syslog": (103, 116), "quotactl": (179, 60), "vhangup": (153, 58),
    "modify_ldt": (154, None), "uselib": (134, None), "lookup_dcookie": (212, 18),
    "fanotify_init": (300, 262), "inotify_init": (253, None), "inotify_init1": (294, 26),
    "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430),
    "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433),
    "mount_setattr": (442, 442), "pidfd_getfd": (438, 438), "pidfd_send_signal": (424, 424),
    "kcmp": (312, 272), "capset": (126, 91), "setuid": (105, 146), "setgid": (106, 144),
    "setreuid": (113, 145), "setregid": (114, 143), "setresuid": (117, 147),
    "setresgid": (119, 149), "setgroups": (116, 159), "tkill": (200, 130),
    "rt_sigqueueinfo": (129, 138), "rt_tgsigqueueinfo": (297, 240),
}
# Added in each child on top of SERVER_DENY, once its limits are set.
CHILD_DENY = {
    "clone": (56, 220), "clone3": (435, 435), "fork": (57, None), "vfork": (58, None),
    "kill": (62, 129), "tgkill": (234, 131), "pidfd_open": (434, 434),
    "prlimit64": (302, 261), "setrlimit": (160, 164), "prctl": (157, 167),
}

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
ARCH_INDEX = {"x86_64": 0, "aarch64": 1}

LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def prctl(option, arg2):
    if LIBC.prctl(option, ctypes.c_ulong(arg2), ctypes.c_ulong(0), ctypes.c_ulong(0),
                  ctypes.c_ulong(0)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "prctl(%d): %s" % (option, os.strerror(err)))


def build_filter(machine, denied):
    """A classic BPF program: wrong arch -> kill; x32 or denied call -> EPERM; else allow."""
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    allow, errno_eperm, kill = 0x7FFF0000, 0x00050000 | 1, 0x80000000
    numbers = sorted({pair[ARCH_INDEX[machine]] for pair in denied if pair[ARCH_INDEX[machine]] is not None})
    prog = [(ld, 0, 0, 4)]  # seccomp_data.arch
    n = 2 + 1 + (1 if machine == "x86_64" else 0) + len(numbers) + 3
    errno_at, kill_at = n - 2, n - 1
    prog.append((jeq, 0, kill_at - 2, AUDIT_ARCH[machine]))
    prog.append((ld, 0, 0, 0))  # seccomp_data.nr
    if machine == "x86_64":
        i = len(prog)
        prog.append((jge, errno_at - i - 1, 0, 0x40000000))
    for nr in numbers:
        i = len(prog)
        prog.append((jeq, errno_at - i - 1, 0, nr))
    prog.append((ret, 0, 0, allow))
    prog.append((ret, 0, 0, errno_eperm))
    prog.append((ret, 0, 0, kill))
    assert len(prog) == n
    return prog


def compile_filter(machine, denied):
    """Builds the seccomp program ahead of time, so a child only has to attach it."""
    prog = build_filter(machine, denied)
    array = (SockFilter * len(prog))(*[SockFilter(*ins) for ins in prog])
    return SockFprog(len(prog), array), array


def install_seccomp(compiled):
    if LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(compiled[0]), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "seccomp: " + os.strerror(err))


def drop_capabilities():
    """Clears every capability set; as root this takes away CAP_SYS_RESOURCE, CAP_DAC_* and the rest."""
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # two empty {effective, permitted, inheritable}
    if LIBC.capset(ctypes.byref(header), ctypes.byref(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "capset: " + os.strerror(err))


CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000


def enter_jail(uid, gid):
    """Makes the (empty) working directory this process's root, so no host path exists for it,
    not even for stat(); as root it then becomes uid/gid, which also clears every capability.

    Not root: a user namespace grants the chroot where the kernel allows unprivileged ones;
    where it does not, the server runs unjailed (seccomp still forbids opening files) and
    says so on stderr.
    """
    root = os.getcwd()
    if os.getuid() == 0:
        os.chroot(root)
        os.chdir("/")
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() == 0 or os.geteuid() == 0:
            raise OSError("the script sandbox could not leave uid 0")
        return
    outer_uid, outer_gid = os.getuid(), os.getgid()
    if LIBC.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        sys.stderr.write("rampart python sandbox: no user namespace (%s); host paths stay visible "
                         "to stat()\n" % os.strerror(ctypes.get_errno()))
        return
    for name, text in (("setgroups", "deny"), ("uid_map", "%d %d 1" % (outer_uid, outer_uid)),
                       ("gid_map", "%d %d 1" % (outer_gid, outer_gid))):
        fd = os.open("/proc/self/" + name, os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
    os.chroot(root)
    os.chdir("/")


# --- framing -------------------------------------------------------------------------------------

def read_exact(fd, n):
    chunks, remaining = [], n
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd):
    head = read_exact(fd, 4)
    if head is None:
        return None
    (length,) = struct.unpack(">I", head)
    return read_exact(fd, length) if length else b""


def write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_frame(fd, payload):
    write_all(fd, struct.pack(">I", len(payload)))
    write_all(fd, payload)


# A run's payload and response pass through the server in bytearrays it wipes once the run is
# answered: the next child is forked from this process, so nothing of a run may stay in its memory,
# reachable or freed.

def wipe(buffer):
    buffer[:] = bytes(len(buffer))


def read_secret_frame(fd):
    """Reads one frame into a bytearray the caller wipes; None at end of input."""
    head = read_exact(fd, 4)
    if head is None:
        return None
    (length,) = struct.unpack(">I", head)
    buffer = bytearray(length)
    got = 0
    while got < length:
        n = os.readv(fd, [memoryview(buffer)[got:]])
        if not n:
            wipe(buffer)
            return None
        got += n
    return buffer


# --- the child: one script run ---------------------------------------------------------------------

class SandboxViolation(PermissionError):
    """The script tried something script steps may not do."""


class OutputLimitExceeded(BaseException):
    """Logs plus output passed maxOutputBytes. A BaseException so `except Exception` does not hide it."""


class LogWriter:
    """Stands in for sys.stdout/sys.stderr: complete lines become log entries, within a byte budget."""

    def __init__(self, state):
        self.state = state
        self.partial = ""

    def write(self, text):
        text = str(text)
        state = self.state
        state["bytes"] += len(text.encode("utf-8", "replace"))
        if state["bytes"] > state["max"]:
            state["over"] = True
            raise OutputLimitExceeded("script output passed %d bytes" % state["max"])
        lines = (self.partial + text).split("\n")
        self.partial = lines.pop()
        state["logs"].extend(lines)
        return len(text)

    def flush(self):
        if self.partial:
            self.state["logs"].append(self.partial)
            self.partial = ""

    def isatty(self):
        return False


def safe_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level != 0 or name not in IMPORTABLE:
        raise SandboxViolation("import of %r is not allowed in a script step" % name)
    module = sys.modules.get(name)
    if module is None:
        raise SandboxViolation("module %r is not available in a script step" % name)
    if fromlist:
        return module
    return sys.modules[name.partition(".")[0]]


def make_builtins():
    safe = {k: v for k, v in vars(builtins).items() if k not in REMOVED_BUILTINS}
    safe["__import__"] = safe_import
    return safe


# The audit hook is compiled apart from this module, with no globals and no builtins: everything it
# uses is bound in its closure, so a script that reaches this module's globals through its frames
# (and rebinds DENIED_EVENTS, SandboxViolation or builtins) changes nothing. Once installed, the
# interpreter's hook list holds the only reference to it. It calls no code a script could define:
# only C functions on exact str/bytes/int values, and it raises a built-in exception type.
_HOOK_SOURCE = """
def make_hook(denied, kind, text, plain_types, describe, startswith, violation, eperm):
    def hook(event, args):
        if kind(event) is not text:
            raise violation(eperm, "an audit event that is not a str is not allowed in a script step")
        if startswith(event, denied):
            target = ""
            if args:
                first = args[0]
                first_type = kind(first)
                if first_type is plain_types[0] or first_type is plain_types[1] or first_type is plain_types[2]:
                    target = " " + describe(first)
            raise violation(eperm, event + target + " is not allowed in a script step")
    return hook
"""


def install_audit_hook():
    """Installs the deny-list audit hook; a script can neither rebind its list nor switch it off."""
    namespace = {"__builtins__": {}}
    exec(compile(_HOOK_SOURCE, "<audit hook>", "exec"), namespace)
    hook = namespace.pop("make_hook")(tuple(DENIED_EVENTS), type, str, (str, bytes, int), repr,
                                      str.startswith, PermissionError, 1)
    namespace.clear()
    sys.addaudithook(hook)


def script_traceback(error):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<script>"]
    line = frames[-1].lineno if frames else getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
    text = "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(type(error), error))
    return line, "Traceback (most recent call last):\n" + text if frames else text


def error_kind(error, state):
    if state["over"] or isinstance(error, OutputLimitExceeded):
        return "output-too-large"
    if isinstance(error, MemoryError):
        return "memory"
    if isinstance(error, (SandboxViolation,)):
        return "forbidden"
    if isinstance(error, PermissionError) and error.errno == 1:
        return "forbidden"
    if isinstance(error, RuntimeError) and "can't start new thread" in str(error):
        return "forbidden"
    return "exception"


def execute(request, state):
    """Runs one script; returns the UTF-8 JSON response."""
    code = request["code"]
    linecache.cache["<script>"] = (len(code), None, code.splitlines(True), "<script>")
    stdout = LogWriter(state)
    sys.stdout = sys.stderr = stdout
    script_input = request["input"]
    scope = {"__builtins__": make_builtins(), "__name__": "__script__", "input": script_input}
    try:
        exec(compile(code, "<script>", "exec"), scope)
        main = scope.get("main")
        if callable(main):
            output = main(script_input)
        elif "output" in scope:
            output = scope["output"]
        else:
            return failure(state, "invalid-output", "the script defines neither main(input) nor output")
        if hasattr(output, "__await__"):
            return failure(state, "invalid-output", "main must be a plain def returning a value, not async def")
        stdout.flush()
        try:
            encoded = json.dumps(output, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError, RecursionError) as error:
            return failure(state, "invalid-output", "output is not JSON: %s" % error)
        state["bytes"] += len(encoded.encode("utf-8"))
        if state["bytes"] > state["max"]:
            return failure(state, "output-too-large", "script output passed %d bytes" % state["max"])
        return '{"ok":true,"logs":%s,"output":%s}' % (json.dumps(state["logs"]), encoded)
    except BaseException as error:  # noqa: BLE001 - everything a script raises is reported
        try:
            stdout.flush()
        except BaseException:
            pass
        kind = error_kind(error, state)
        line, text = script_traceback(error)
        message = "%s: %s" % (type(error).__name__, error) if str(error) else type(error).__name__
        if kind == "output-too-large":
            message = "script output passed %d bytes" % state["max"]
        elif kind == "memory":
            message = "script ran out of memory (limit %d MB)" % request["limits"]["memoryMb"]
        return failure(state, kind, message, type(error).__name__, line, text)


def failure(state, kind, message, error_type=None, line=None, text=None):
    error = {"kind": kind, "message": message}
    if error_type is not None:
        error["errorType"] = error_type
    if line is not None:
        error["line"] = line
    if text is not None:
        error["traceback"] = text
    logs = state["logs"] if not state["over"] else state["logs"][:100]
    return json.dumps({"ok": False, "error": error, "logs": logs})


WARM_UP = {"code": "def main(input):\n    print(input)\n    return {'ok': [input]}\n", "input": {"warm": 1},
           "limits": {"memoryMb": 1}}


WARM = b"W"


def child_main(ctx, request_fd, result_fd, vm_bytes):
    """Runs in the pre-forked child: waits for its one request, locks itself down, runs, exits."""
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != ctx["server_pid"]:
            os._exit(70)
        for fd in (ctx["in"], ctx["out"]):
            os.close(fd)
        os.dup2(ctx["devnull"], 2)
        # Touch the interpreter's pages once while idle, so copy-on-write faults are not paid
        # while the real request waits.
        execute(json.loads(json.dumps(WARM_UP)), {"logs": [], "bytes": 0, "max": 1 << 20, "over": False})
        os.write(result_fd, WARM)
        header = read_frame(request_fd)
        raw = read_frame(request_fd) if header is not None else None
        if raw is None:
            os._exit(0)
        os.close(request_fd)
        request = json.loads(raw)
        limits = request["limits"] = json.loads(header)["limits"]
        memory = vm_bytes + int(limits["memoryMb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = int(limits["timeoutMs"] / 1000) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        install_seccomp(ctx["child_filter"])
        install_audit_hook()
        state = {"logs": [], "bytes": 0, "max": int(limits["maxOutputBytes"]), "over": False}
        response = execute(request, state)
        write_all(result_fd, response.encode("utf-8", "surrogatepass"))
        os.close(result_fd)
        os._exit(0)
    except BaseException as error:  # the harness itself failed: report it, never run on
        try:
            write_all(result_fd, json.dumps({"ok": False, "logs": [], "error": {
                "kind": "memory" if isinstance(error, MemoryError) else "exception",
                "message": "script harness failed: %s: %s" % (type(error).__name__, error)}}).encode())
        finally:
            os._exit(71)


# --- the server ----------------------------------------------------------------------------------

def vm_size_bytes(statm_fd):
    return int(os.pread(statm_fd, 128, 0).split()[0]) * resource.getpagesize()


def prefork(ctx):
    request_r, request_w = os.pipe()
    result_r, result_w = os.pipe()
    vm = vm_size_bytes(ctx["statm"])
    pid = os.fork()
    if pid == 0:
        os.close(request_w)
        os.close(result_r)
        child_main(ctx, request_r, result_w, vm)
    os.close(request_r)
    os.close(result_w)
    child = {"pid": pid, "request": request_w, "result": result_r, "status": None}
    # Announce the worker ready only once the child has warmed up (see child_main).
    if os.read(result_r, 1) != WARM:
        reap(child)
        raise RuntimeError("script child failed to start")
    return child


def reap(child):
    """Kills the child if it still runs and collects it; safe to call twice."""
    if child["status"] is not None:
        return child["status"]
    for fd in (child["request"], child["result"]):
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        os.kill(child["pid"], signal.SIGKILL)
    except ProcessLookupError:
        pass
    _, status = os.waitpid(child["pid"], 0)
    child["status"] = status
    return status


def supervise(ctx, child, header, raw, limits, box):
    """Hands the run's `header` and `raw` payload to the child and reads its answer into box[0]
    (a bytearray, replaced by a larger one, the old one wiped, when it fills up), enforcing time,
    size and cancel. Returns the number of bytes read, or the bytes of a failure the server
    reports itself.

    The child closes its end of the result pipe as soon as it has written, so the answer goes
    back at end-of-file without waiting for the child's exit; reap() then makes sure it is gone.
    """
    try:
        write_frame(child["request"], header)
        write_frame(child["request"], memoryview(raw))
    except BrokenPipeError:
        reap(child)
        return failure_bytes("exception", "the script process died before it started")
    cap = int(limits["maxOutputBytes"]) * 2 + 65536
    deadline = time.monotonic() + limits["timeoutMs"] / 1000
    poller = select.poll()
    poller.register(child["result"], select.POLLIN)
    poller.register(ctx["in"], select.POLLIN)
    size, outcome = 0, None
    while outcome is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            outcome = "timeout"
            break
        for fd, _ in poller.poll(remaining * 1000):
            if fd == child["result"]:
                if size == len(box[0]):
                    bigger = bytearray(size * 2)
                    bigger[:size] = box[0]
                    wipe(box[0])
                    box[0] = bigger
                n = os.readv(fd, [memoryview(box[0])[size:]])
                if not n:
                    outcome = "done"
                size += n
                if size > cap:
                    outcome = "output-too-large"
            else:
                frame = read_frame(ctx["in"])
                if frame is None:
                    reap(child)
                    os._exit(0)
                if json.loads(frame).get("op") == "cancel":
                    outcome = "aborted"
    if outcome == "done" and size:
        return size
    status = reap(child)
    if outcome == "timeout":
        return failure_bytes("timeout", "script timed out after %d ms" % limits["timeoutMs"])
    if outcome == "aborted":
        return failure_bytes("aborted", "script run was cancelled")
    if outcome == "output-too-large":
        return failure_bytes("output-too-large", "script output passed %d bytes" % limits["maxOutputBytes"])
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
        return failure_bytes("timeout", "script used more than its CPU time (%d ms)" % limits["timeoutMs"])
    if os.WIFSIGNALED(status):
        return failure_bytes("exception", "script process crashed (signal %d)" % os.WTERMSIG(status))
    return failure_bytes("exception", "script process exited with status %d" % os.waitstatus_to_exitcode(status))


def failure_bytes(kind, message):
    return json.dumps({"ok": False, "logs": [], "error": {"kind": kind, "message": message}}).encode()


def set_limit(which, value):
    resource.setrlimit(which, (value, value))


def main():
    max_memory_mb = int(sys.argv[1])
    uid, gid = int(sys.argv[2]), int(sys.argv[3])
    # The parent passes an empty environment; this also drops what the interpreter itself adds
    # (LC_CTYPE from locale coercion, or a version manager's variables).
    os.environ.clear()
    machine = os.uname().machine
    if machine not in AUDIT_ARCH:
        sys.stderr.write("rampart python sandbox: unsupported architecture %s\n" % machine)
        sys.exit(78)
    for name in ALLOWED_MODULES + SUPPORT_MODULES:
        try:
            __import__(name)
        except ImportError:
            pass
    ctx = {"machine": machine, "server_pid": os.getpid(), "in": os.dup(0), "out": os.dup(1),
           "devnull": os.open(os.devnull, os.O_RDWR), "statm": os.open("/proc/self/statm", os.O_RDONLY)}
    os.dup2(ctx["devnull"], 0)
    os.dup2(ctx["devnull"], 1)
    enter_jail(uid, gid)
    # After enter_jail: a change of credentials clears the parent-death signal.
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    vm = vm_size_bytes(ctx["statm"])
    hard = vm + (max_memory_mb + 64) * 1024 * 1024
    set_limit(resource.RLIMIT_AS, hard)
    set_limit(resource.RLIMIT_FSIZE, 0)
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_NOFILE, 64)
    drop_capabilities()
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    ctx["child_filter"] = compile_filter(machine, CHILD_DENY.values())
    install_seccomp(compile_filter(machine, SERVER_DENY.values()))
    spare = prefork(ctx)
    write_frame(ctx["out"], b'{"ready":true}')
    while serve_one(ctx, spare):
        reap(spare)
        # serve_one's frame, which held the run, is gone and its buffers are wiped: the next
        # child is forked from a server that holds nothing of any run.
        spare = prefork(ctx)
        write_frame(ctx["out"], b'{"ready":true}')
    reap(spare)


def serve_one(ctx, child):
    """Waits for the next run and answers it through `child`; False at end of input."""
    while True:
        header = read_frame(ctx["in"])
        if header is None:
            return False
        request = json.loads(header)
        if request.get("op") == "run":
            break
    raw = read_secret_frame(ctx["in"])
    if raw is None:
        return False
    box = [bytearray(1 << 16)]
    try:
        answer = supervise(ctx, child, header, raw, request["limits"], box)
        if isinstance(answer, int):
            write_frame(ctx["out"], memoryview(box[0])[:answer])
        else:
            write_frame(ctx["out"], answer)
    finally:
        wipe(raw)
        wipe(box[0])
    return True


if __name__ == "__main__":
    main()
