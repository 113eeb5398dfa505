"""The commands a new user copies from the docs, run as written.

Reads README.md's "Setting up a daemon" section and the EXAMPLES of the
man pages, and turns every command shown there into one shell script (so
that `export`, `umask` and the working folder carry over from one command
to the next, as in the user's own shell). The lines shown under a command
are its expected output, where "..." stands for anything (and "apv_3f0c..."
for that prefix and more hex digits).

What a user must put in themselves is put in the same way every time:
  - the port: the daemon gets a free one instead of 8470 (another daemon
    may hold 8470 on a shared machine), and `approvald.example` is this host;
  - `apv_...`: the token `approvald executor add` wrote to soar-1.token;
  - `req_01a2...`: the newest request of that executor (`approvectl list`);
  - `systemctl reload approvald`: SIGHUP to the daemon the example started;
  - `isolate HOST`: the user's own action, here a function that says so;
  - `carol.key.pub`: the file carol sent, from where keygen wrote it.
Before the example that resumes a suspended executor, the executor is made
to trip the circuit breaker, the situation that example is about.

usage: doc_commands.py script TOP WORK > script.sh
       doc_commands.py check TOP WORK      (after running the script)
"""
import os
import re
import sys

PROGRAMS = ("approvald", "approvetui", "approvectl")


def unroff(line):
    return (line.replace("\\e", "\\").replace("\\(dq", '"')
            .replace("\\&", ""))


def readme_blocks(top):
    text = open(os.path.join(top, "README.md")).read()
    m = re.search(r"^### Setting up a daemon\n(.*?)(?=^#{1,3} )", text,
                  re.S | re.M)
    if m is None:
        sys.exit("README.md has no 'Setting up a daemon' section")
    return [b.splitlines() for b in
            re.findall(r"```sh\n(.*?)```", m.group(1), re.S)]


def man_blocks(path):
    text = open(path).read()
    m = re.search(r"^\.Sh EXAMPLES\n(.*?)(?=^\.Sh )", text, re.S | re.M)
    if m is None:
        sys.exit(f"{path} has no EXAMPLES")
    return [[unroff(line) for line in b.splitlines()] for b in
            re.findall(r"^\.Bd -literal[^\n]*\n(.*?)^\.Ed", m.group(1),
                       re.S | re.M)]


def strip_comment(line):
    return re.sub(r"\s+#\s.*$", "", line)


def steps(block, prompted):
    """[(command, [expected output lines])] of one example block."""
    first = block[0]
    if prompted and not first.startswith(("$ ", "# ")):
        return [("\n".join(block), [])]        # a script, shown whole
    out, joining = [], False
    for line in block:
        if joining:
            out[-1][0] += "\n" + line
        elif prompted and line.startswith(("$ ", "# ")):
            out.append([line[2:], []])
        elif not prompted and line.split(" ", 1)[0] in PROGRAMS:
            out.append([strip_comment(line), []])
        else:
            if out and line.strip():
                out[-1][1].append(strip_comment(line).strip())
            continue
        joining = out[-1][0].endswith("\\")
    return [(c, e) for c, e in out]


def docs(top):
    """[(doc name, folder, [blocks of steps])] in the order they run."""
    man = os.path.join(top, "man")
    return [
        ("README.md", "readme", [steps(b, False) for b in readme_blocks(top)]),
        ("approvald(8)", "man",
         [steps(b, True) for b in man_blocks(os.path.join(man, "approvald.8"))]),
        ("approvectl(1)", "man",
         [steps(b, True) for b in man_blocks(os.path.join(man, "approvectl.1"))]),
        ("approvetui(1)", "man",
         [steps(b, True) for b in man_blocks(os.path.join(man, "approvetui.1"))]),
    ]


def fill_in(cmd):
    cmd = cmd.replace("approvald.example", "127.0.0.1")
    cmd = cmd.replace(":8470", ":$DOC_PORT")
    cmd = cmd.replace("apv_...", "$(cat soar-1.token)")
    cmd = re.sub(r"req_[0-9a-f]*\.\.\.", "$(doc_last_id)", cmd)
    cmd = cmd.replace("systemctl reload approvald", "doc_reload")
    cmd = cmd.replace("--pubkey carol.key.pub", "--pubkey ~/.approve/carol.key.pub")
    return cmd


def script(top, work):
    lines = ["set -u", f". '{work}/prelude.sh'"]
    n = 0
    for name, folder, blocks in docs(top):
        lines.append(f"mkdir -p '{work}/{folder}' && cd '{work}/{folder}'")
        if name == "approvectl(1)":
            lines.append("doc_console_start")
        for block in blocks:
            if any("executor resume" in c for c, _ in block):
                lines.append("doc_trip")
            for cmd, _ in block:
                n += 1
                body = fill_in(cmd)
                if re.search(r"\bserve\s*$", body):
                    lines.append(f"{body} >'{work}/out.{n}' 2>'{work}/err.{n}' &")
                    lines.append(f"echo $! > '{work}/serve.pid'; doc_healthy; "
                                 f"echo $? > '{work}/rc.{n}'")
                    continue
                # doc_status gives the step the exit status of the one
                # before, for an `echo $?` shown as a step of its own.
                lines.append(f"{{ doc_status; {body}\n}} >'{work}/out.{n}' "
                             f"2>'{work}/err.{n}' </dev/null; "
                             f"echo $? | tee '{work}/rc.{n}' > '{work}/last.rc'")
                if re.search(r"\binit\s*$", body):
                    lines.append("doc_port")
        if name == "approvectl(1)":
            lines.append("doc_console_stop")
        if name == "README.md":
            lines.append("doc_stop")
    lines.append("doc_stop")
    return "\n".join(lines) + "\n"


def pattern(expected):
    rx = re.escape(expected)
    rx = re.sub(r"([a-z]+_)[0-9a-f]*\\\.\\\.\\\.", r"\1[0-9a-f]+", rx)
    return re.compile(rx.replace(r"\.\.\.", ".*"))


def read(path):
    try:
        return open(path, errors="replace").read()
    except OSError:
        return None


def check(top, work):
    n = 0
    for name, _, blocks in docs(top):
        for block in blocks:
            for cmd, expected in block:
                n += 1
                short = " ".join(cmd.split())[:60]
                rc = read(f"{work}/rc.{n}")
                out = (read(f"{work}/out.{n}") or "") + \
                    (read(f"{work}/err.{n}") or "")
                if rc is None:
                    print(f"FAIL\t{name}: {short}\tnever ran")
                    continue
                rc = int(rc)
                if re.match(r"approvetui --url", cmd):
                    good = rc == 1 and "needs a terminal" in out
                    want = "1, options accepted, no terminal"
                elif cmd.startswith("approvectl status"):
                    good, want = rc in (0, 4), "0 or 4"
                else:
                    good, want = rc == 0, "0"
                if not good:
                    print(f"FAIL\t{name}: {short}\texit {rc}, wanted {want}: "
                          f"{out.strip()[-300:]}")
                    continue
                lines = out.splitlines()
                missing = [e for e in expected
                           if not any(pattern(e).fullmatch(line.strip())
                                      for line in lines)]
                if missing:
                    print(f"FAIL\t{name}: {short}\tno output line like "
                          f"{missing[0]!r} in {out.strip()[-300:]!r}")
                else:
                    print(f"PASS\t{name}: {short}")
    print(f"COUNT\t{n}")


if __name__ == "__main__":
    what, top, work = sys.argv[1:4]
    if what == "script":
        sys.stdout.write(script(top, work))
    else:
        check(top, work)
