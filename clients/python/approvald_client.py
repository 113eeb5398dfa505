"""approvald's executor client for Python: submit a request, wait for its
decision, verify it, cancel it. Standard library plus PyNaCl.

Every answer from the daemon is treated as hostile: bounded, parsed
strictly, checked. An outcome is APPROVED only when the view passed every
check of docs/PROTOCOL.md §4 and the freshness and key rules of §9 against
the caller's own trusted-keys file and the exact bytes this client sent;
anything else is one of the other outcomes, never an approval.

    client = Client(trusted_keys="trusted-keys")   # APPROVE_URL, APPROVE_TOKEN
    result = client.request("refund", "order-77", "item arrived broken",
                            params={"amount": 1800}, wait=True)
    if result.outcome == APPROVED:
        ...act...
"""
import base64
import binascii
import hashlib
import http.client
import ipaddress
import json
import os
import re
import secrets
import ssl
import stat
import time
import urllib.parse

import nacl.exceptions
import nacl.signing

__all__ = [
    "APPROVED", "DENIED", "EXPIRED", "CANCELLED", "PENDING",
    "VERIFICATION_FAILED", "UNREACHABLE", "UNAUTHORISED", "EXIT_CODES",
    "Client", "Result", "UsageError", "load_trusted", "parse_trusted",
    "verify_view", "body_nonce",
]

# Outcomes, and approvectl's exit code for each.
APPROVED = "approved"
DENIED = "denied"
EXPIRED = "expired"
CANCELLED = "cancelled"
PENDING = "pending"
VERIFICATION_FAILED = "verification_failed"
UNREACHABLE = "unreachable"
UNAUTHORISED = "unauthorised"
EXIT_CODES = {APPROVED: 0, DENIED: 1, EXPIRED: 2, CANCELLED: 3, PENDING: 4,
              VERIFICATION_FAILED: 65, UNREACHABLE: 69, UNAUTHORISED: 77}
STATES = (APPROVED, DENIED, EXPIRED, CANCELLED, PENDING)

DEFAULT_URL = "http://127.0.0.1:8470"
REPLY_MAX = 8 * 1024 * 1024      # a larger answer is refused
TOKEN_FILE_MAX = 4096
TRUSTED_MAX = 1024               # keys in a trusted-keys file
TRUSTED_LINE_MAX = 512
SIGNATURES_MAX = 1024
JSON_DEPTH_MAX = 16
ID_MAX = 48
NAME_MAX = 64
TIME_MAX = 2 ** 53               # Unix ms, exact in a double
NONCE_TAG = "approve-nonce-v1"
DECISION_TAG = "approve-decision-v1"
SKEW_MS = 5 * 60 * 1000          # signed this long before created_at: stale
FUTURE_MS = 60 * 1000            # clock skew allowed past our own clock
CONNECT_S = 5
CALL_S = 30
WAIT_S = 55                      # each long-poll; the daemon caps it at 60
WAIT_SLACK_S = 15
GRACE_MS = 10000                 # keep asking this long past expires_at
UNSEEN_MS = 60000                # with no view yet, give up after this
BACKOFF_MIN_MS = 200
BACKOFF_MAX_MS = 5000
PROGRESS_MS = 1000               # a quicker pending answer backs off too
RETRY_AFTER_MAX_S = 60           # a longer Retry-After counts as this

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}\Z")
_REQ_ID_RE = re.compile(r"req_[A-Za-z0-9]{1,44}\Z")
_B64_RE = re.compile(r"(?:[A-Za-z0-9+/]{4})*"
                     r"(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f\x80-\x9f]")
_SHOWN_RE = re.compile("[\x00-\x1f\x7f\x80-\x9f\u200e\u200f\u202a-\u202e"
                       "\u2066-\u2069]")


class UsageError(ValueError):
    """The caller's mistake (bad argument, file, URL) or a daemon answer
    that says so (400, 404, 409, 413). Never an approval."""


class Result:
    """What became of a request. outcome is one of the names above; view
    is the last checked view (None when there was none); why says why in
    text safe for a terminal."""

    def __init__(self, outcome, view=None, why="", rid=None):
        self.outcome = outcome
        self.view = view
        self.body = None        # the bytes sent, set by Client.request
        self.retry_ms = 0       # the daemon's Retry-After, for a 429
        self.why = why
        self.id = rid if rid is not None else (view or {}).get("id")

    @property
    def approved(self):
        return self.outcome == APPROVED

    @property
    def exit_code(self):
        return EXIT_CODES[self.outcome]

    def __repr__(self):
        return f"Result({self.outcome!r}, id={self.id!r}, why={self.why!r})"


def clean(text):
    """text with terminal controls and bidi overrides shown as '?'."""
    return _SHOWN_RE.sub("?", str(text))


def body_nonce(key):
    """The body nonce derived from an idempotency key (PROTOCOL.md §9):
    a retry with the same key sends the same bytes."""
    data = (NONCE_TAG + "\n" + key).encode()
    return hashlib.sha256(data).hexdigest()[:32]


# --- strict JSON ----------------------------------------------------------

def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate key {clean(k)[:64]}")
        obj[k] = v
    return obj


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def _depth(value, depth=0):
    if isinstance(value, (dict, list)):
        depth += 1
        if depth > JSON_DEPTH_MAX:
            raise ValueError("nested too deeply")
        for v in value.values() if isinstance(value, dict) else value:
            _depth(v, depth)


def parse_json(data):
    """A JSON document from bytes, as strictly as the daemon parses:
    UTF-8, no duplicate keys, no NaN, bounded depth. ValueError else."""
    if len(data) > REPLY_MAX:
        raise ValueError("larger than the limit")
    try:
        text = data.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_no_duplicates,
                           parse_constant=_no_constant)
    except (UnicodeDecodeError, RecursionError) as e:
        raise ValueError(type(e).__name__) from None
    _depth(value)
    return value


def _utf8(text):
    """True when text holds no lone surrogate, so it is UTF-8 as sent."""
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _int(value, lo, hi):
    """value as an int when it is a JSON integer within [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    if value < lo or value > hi:
        return None
    return int(value)


def _b64(text):
    """Strict base64 (canonical, padded) as bytes, None when it is not."""
    if not isinstance(text, str) or not _B64_RE.match(text):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode() == text else None


# --- trusted keys ---------------------------------------------------------

def parse_trusted(text):
    """{signer: public key bytes} from the text of a trusted-keys file:
    "<signer> ed25519 <base64 key>" per line, blank and # lines skipped."""
    keys = {}
    if "\0" in text:
        raise UsageError("trusted keys: holds a NUL byte")
    for n, line in enumerate(text.split("\n"), 1):
        if line == "" or line.startswith("#"):
            continue
        parts = line.split(" ")
        pk = _b64(parts[2]) if len(parts) == 3 else None
        if (len(line) >= TRUSTED_LINE_MAX or pk is None or len(pk) != 32 or
                parts[1] != "ed25519" or not _NAME_RE.match(parts[0]) or
                parts[0] in keys):
            raise UsageError(f"trusted keys: line {n}: expected a unique "
                             "\"<signer> ed25519 <base64 key>\"")
        if len(keys) == TRUSTED_MAX:
            raise UsageError(f"trusted keys: more than {TRUSTED_MAX} keys")
        keys[parts[0]] = pk
    if not keys:
        raise UsageError("trusted keys: the file holds no keys")
    return keys


def load_trusted(path):
    try:
        with open(path, "rb") as f:
            data = f.read(TRUSTED_MAX * TRUSTED_LINE_MAX + 1)
    except OSError as e:
        raise UsageError(f"trusted keys: {path}: {e.strerror}") from None
    if len(data) > TRUSTED_MAX * TRUSTED_LINE_MAX:
        raise UsageError(f"trusted keys: {path}: too large")
    try:
        return parse_trusted(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"trusted keys: {path}: not UTF-8") from None


# --- verification (PROTOCOL.md §4 and §9) ----------------------------------

def _decision_bytes(rid, digest, verdict, signer, signed_at, reason):
    rh = hashlib.sha256(reason.encode("utf-8")).hexdigest()
    return (f"{DECISION_TAG}\nid:{rid}\ndigest:{digest}\nverdict:{verdict}\n"
            f"signer:{signer}\nsigned_at:{signed_at}\nreason:{rh}\n"
            ).encode("utf-8")


def _sig_fields(i, e):
    """(signer, verdict, signed_at, reason, sig) of entry i; ValueError."""
    if not isinstance(e, dict):
        raise ValueError(f"signature {i}: not an object")
    signer, verdict = e.get("signer"), e.get("verdict")
    if not isinstance(signer, str) or not _NAME_RE.match(signer):
        raise ValueError(f"signature {i}: signer is missing or not a "
                         "valid name")
    if verdict not in ("approve", "deny"):
        raise ValueError(f"signature {i}: verdict is not approve or deny")
    signed_at = _int(e.get("signed_at"), 0, TIME_MAX)
    if signed_at is None:
        raise ValueError(f"signature {i}: signed_at is not a non-negative "
                         "integer")
    reason = e.get("reason", "")
    if not isinstance(reason, str) or not _utf8(reason):
        raise ValueError(f"signature {i}: reason is not a string")
    sig = _b64(e.get("sig"))
    if sig is None or len(sig) != 64:
        raise ValueError(f"signature {i}: sig is not base64 of 64 bytes")
    return signer, verdict, signed_at, reason, sig


def _valid(pk, message, sig):
    try:
        nacl.signing.VerifyKey(pk).verify(message, sig)
        return True
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return False


def _tally(view, digest, trusted, now_ms):
    """Count the approvals that hold; ValueError on a trusted deny or a
    malformed entry. Returns (count, notes)."""
    signers, keys, notes = set(), set(), []
    created = view["created_at"]
    for i, e in enumerate(view["signatures"]):
        signer, verdict, signed_at, reason, sig = _sig_fields(i, e)
        pk = trusted.get(signer)
        msg = _decision_bytes(view["id"], digest, verdict, signer,
                              signed_at, reason)
        if pk is None:
            notes.append(f"{signer}: not in the trusted keys")
        elif not _valid(pk, msg, sig):
            notes.append(f"{signer}: signature does not verify")
        elif verdict == "deny":
            raise ValueError(f"{signer}, a trusted signer, denied the "
                             "request")
        elif signed_at < created - SKEW_MS:
            notes.append(f"{signer}: signed more than 5 minutes before the "
                         "request was made")
        elif signed_at > now_ms + FUTURE_MS:
            notes.append(f"{signer}: signed in the future")
        elif signer in signers:
            notes.append(f"{signer}: approved twice, counted once")
        elif pk in keys:
            notes.append(f"{signer}: the same key as another signer, "
                         "counted once")
        else:
            signers.add(signer)
            keys.add(pk)
    return len(signers), notes


def _check_view(view, sent, trusted, now_ms):
    """None when the view is a verified approval, else why not."""
    if not isinstance(view, dict):
        return "the view is not an object"
    if not isinstance(view.get("state"), str):
        return "the view has no state"
    if view["state"] != APPROVED:
        return "the request is not approved"
    rid = view.get("id")
    if (not isinstance(rid, str) or not _utf8(rid) or
            not 1 <= len(rid.encode()) <= ID_MAX or _CONTROL_RE.search(rid)):
        return "id is missing or malformed"
    if not isinstance(view.get("digest"), str):
        return "digest is not a string"
    body = _b64(view.get("body"))
    if body is None:
        return "body is not strict base64"
    digest = hashlib.sha256(body).hexdigest()
    if digest != view["digest"]:
        return "digest is not the lowercase hex SHA-256 of the body"
    if sent is not None and body != bytes(sent):
        return "body is not the request that was sent"
    need = _int(view.get("approvals_required"), 1, 2 ** 31 - 1)
    if need is None:
        return "approvals_required is not an integer >= 1"
    if _int(view.get("created_at"), 0, TIME_MAX) is None:
        return "created_at is not a non-negative integer"
    sigs = view.get("signatures")
    if not isinstance(sigs, list):
        return "signatures is not an array"
    if len(sigs) > SIGNATURES_MAX:
        return f"more than {SIGNATURES_MAX} signatures"
    try:
        have, notes = _tally(view, digest, trusted, now_ms)
    except ValueError as e:
        return str(e)
    if have < need:
        extra = f" ({'; '.join(notes)})" if notes else ""
        return (f"{have} of {need} required approvals verify with the "
                f"trusted keys{extra}")
    return None


def verify_view(view, sent, trusted, now_ms=None):
    """(True, "") only when view is an approval that holds: state
    approved; body strict base64 whose SHA-256 is digest; body equal to
    sent (bytes; None skips that comparison); approvals_required or more
    valid approve signatures over id and digest from distinct signers with
    distinct keys in trusted ({signer: key}, see load_trusted), each
    signed no more than 5 minutes before created_at nor after now_ms (Unix
    ms, default the clock) plus a small skew; and no valid trusted deny.
    Else (False, why)."""
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    why = _check_view(view, sent, trusted, now_ms)
    return (True, "") if why is None else (False, clean(why))


# --- transport ------------------------------------------------------------

def _loopback(host):
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Url:
    """One daemon base URL, checked."""

    def __init__(self, text, ca, allow_http):
        u = urllib.parse.urlsplit(text)
        if (u.scheme not in ("http", "https") or not u.hostname or
                u.query or u.fragment or u.username or u.password or
                _CONTROL_RE.search(text) or " " in text):
            raise UsageError(f"{clean(text)}: the daemon's URL must be "
                             "http:// or https:// with a host and no query")
        try:
            self.port = u.port or (443 if u.scheme == "https" else 80)
        except ValueError:
            raise UsageError(f"{clean(text)}: bad port") from None
        if u.scheme == "http" and ca is not None:
            raise UsageError(f"{clean(text)}: a CA file is given, so the "
                             "URL must be https://")
        if (u.scheme == "http" and not _loopback(u.hostname) and
                not allow_http):
            raise UsageError(f"{clean(text)}: plain http to a host that is "
                             "not loopback would expose the token; use "
                             "https:// or allow_insecure_http=True")
        self.https = u.scheme == "https"
        self.host = u.hostname
        self.path = u.path.rstrip("/")
        self.text = text


class _Reply:
    def __init__(self, status, data, retry_after):
        self.status = status
        self.data = data
        self.retry_after = retry_after


class _Unreachable(Exception):
    """No HTTP answer: refused, reset, timed out, too large."""


def _read_token(token, token_file):
    if token is None:
        token = os.environ.get("APPROVE_TOKEN") or None
    if token is None and token_file is not None:
        try:
            fd = os.open(token_file, os.O_RDONLY | os.O_CLOEXEC |
                         getattr(os, "O_NOFOLLOW", 0))
        except OSError as e:
            raise UsageError(f"token file {token_file}: {e.strerror}") \
                from None
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise UsageError(f"token file {token_file}: not a file")
            if st.st_mode & 0o077:
                raise UsageError(
                    f"token file {token_file}: permissions "
                    f"{stat.S_IMODE(st.st_mode):04o} are too open: it must "
                    "be readable by its owner only (chmod 600)")
            data = f.read(TOKEN_FILE_MAX + 1)
        if len(data) > TOKEN_FILE_MAX:
            raise UsageError(f"token file {token_file}: too large")
        token = data.split(b"\n")[0].strip(b" \t\r").decode("latin-1")
    if token is not None and not re.fullmatch(r"[\x21-\x7e]{1,1024}", token):
        raise UsageError("the token must be 1 to 1024 visible ASCII "
                         "characters")
    return token


def _backoff_sleep(ms, deadline_ms):
    left = deadline_ms - int(time.time() * 1000)
    time.sleep(max(0, min(ms, left)) / 1000)


class Client:
    """A connection to one approvald, or several nodes of one.

    urls: a comma-separated list (default APPROVE_URL, else
    http://127.0.0.1:8470); a node that gives no answer or a 5xx is left
    for the next. token: default APPROVE_TOKEN, else the first line of
    token_file (which must be mode 0600 or stricter). ca: a PEM file to
    trust for https:// (default APPROVE_CA, else the system's CAs).
    trusted_keys: the trusted-keys file (path) or a {signer: key} dict;
    required, because an approval is only ever taken after verifying it.
    allow_insecure_http: permit http:// to a host that is not loopback.
    """

    def __init__(self, trusted_keys, urls=None, token=None, token_file=None,
                 ca=None, allow_insecure_http=False):
        if isinstance(trusted_keys, dict):
            if not trusted_keys or not all(
                    isinstance(k, str) and _NAME_RE.match(k) and
                    isinstance(v, bytes) and len(v) == 32
                    for k, v in trusted_keys.items()):
                raise UsageError("trusted keys: a dict of signer names to "
                                 "32-byte keys, at least one")
            self.trusted = dict(trusted_keys)
        elif isinstance(trusted_keys, (str, os.PathLike)):
            self.trusted = load_trusted(trusted_keys)
        else:
            raise UsageError("trusted_keys is required: a file or a dict")
        urls = urls or os.environ.get("APPROVE_URL") or DEFAULT_URL
        ca = ca or os.environ.get("APPROVE_CA") or None
        self._urls = [_Url(u.strip(), ca, allow_insecure_http)
                      for u in urls.split(",")]
        self._token = _read_token(token, token_file)
        self._ssl = None
        if any(u.https for u in self._urls):
            try:
                self._ssl = ssl.create_default_context(cafile=ca)
            except (OSError, ssl.SSLError) as e:
                raise UsageError(f"CA file {ca}: {clean(e)[:200]}") from None
        self._current = 0

    def __repr__(self):
        return f"Client({','.join(u.text for u in self._urls)!r})"

    # -- HTTP -------------------------------------------------------------

    def _once(self, url, method, path, body, timeout):
        if url.https:
            conn = http.client.HTTPSConnection(
                url.host, url.port, timeout=CONNECT_S, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(url.host, url.port,
                                              timeout=CONNECT_S)
        headers = {"Accept": "application/json"}
        if self._token is not None:
            headers["Authorization"] = "Bearer " + self._token
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            conn.connect()
            conn.sock.settimeout(timeout)
            conn.request(method, url.path + path, body=body, headers=headers)
            resp = conn.getresponse()
            length = resp.getheader("Content-Length")
            if length is not None and (not length.isdigit() or
                                       int(length) > REPLY_MAX):
                raise _Unreachable("an answer larger than the limit")
            data = resp.read(REPLY_MAX + 1)
            if len(data) > REPLY_MAX:
                raise _Unreachable("an answer larger than the limit")
            retry = resp.getheader("Retry-After") or "0"
            retry = min(int(retry), RETRY_AFTER_MAX_S) \
                if retry.isdigit() and len(retry) < 6 else 0
            return _Reply(resp.status, data, retry)
        except (OSError, http.client.HTTPException, ssl.SSLError) as e:
            raise _Unreachable(f"{url.text}: {type(e).__name__}: "
                               f"{clean(e)[:200]}") from None
        finally:
            conn.close()

    def _call(self, method, path, body=None, timeout=CALL_S):
        """One call, moving through the URL list on no answer or a 5xx;
        the last reply, or _Unreachable when no node answered."""
        err = None
        for _ in range(len(self._urls)):
            url = self._urls[self._current]
            try:
                reply = self._once(url, method, path, body, timeout)
                if reply.status < 500:
                    return reply
                err = _Unreachable(f"{url.text}: HTTP {reply.status}")
            except _Unreachable as e:
                err = e
            self._current = (self._current + 1) % len(self._urls)
        raise err

    def _error(self, reply, rid=None):
        """The Result (or UsageError) for an unwanted HTTP status."""
        try:
            e = parse_json(reply.data)["error"]
            text = f"{clean(e['code'])[:64]}: {clean(e['message'])[:512]}"
        except (ValueError, KeyError, TypeError):
            text = "no error message"
        why = f"the daemon answered {reply.status} {text}"
        if reply.status in (401, 403):
            return Result(UNAUTHORISED, why=why, rid=rid)
        if reply.status in (400, 404, 409, 413):
            raise UsageError(why)
        result = Result(UNREACHABLE, why=why, rid=rid)   # 429, or odd
        result.retry_ms = reply.retry_after * 1000
        return result

    def _view(self, reply, rid):
        """The checked view in a 200/201 answer, or a Result saying why
        the answer cannot be one."""
        try:
            view = parse_json(reply.data)
        except ValueError as e:
            return Result(VERIFICATION_FAILED, rid=rid,
                          why=f"the daemon's answer is not JSON: {e}")
        if (not isinstance(view, dict) or
                not isinstance(view.get("id"), str) or
                not _REQ_ID_RE.match(view["id"]) or
                view.get("state") not in STATES):
            return Result(VERIFICATION_FAILED, rid=rid,
                          why="the daemon's answer is not a request view")
        if rid is not None and view["id"] != rid:
            return Result(VERIFICATION_FAILED, rid=rid,
                          why="the daemon answered with another request")
        if (view["state"] == PENDING and
                _int(view.get("expires_at"), 0, TIME_MAX) is None):
            return Result(VERIFICATION_FAILED, rid=rid,
                          why="a pending view without expires_at")
        return view

    def _final(self, view, sent):
        """The Result a checked view stands for, verifying approvals."""
        state = view["state"]
        if state != APPROVED:
            why = state
            if state == DENIED:
                why = "denied" + _denial(view)
            return Result(state, view, clean(why))
        ok, why = verify_view(view, sent, self.trusted)
        if not ok:
            return Result(VERIFICATION_FAILED, view,
                          f"verification failed: {why}")
        return Result(APPROVED, view, "approved and verified")

    # -- the calls ----------------------------------------------------------

    @staticmethod
    def build_body(action, target, justification, params=None,
                   on_behalf_of=None, timeout_s=None, idempotency_key=None):
        """The exact request bytes, with an idempotency key (random when
        none is given) and the nonce derived from it."""
        if idempotency_key is None:
            idempotency_key = "k-" + secrets.token_hex(16)
        body = {"action": action, "target": target}
        if params is not None:
            if not isinstance(params, dict):
                raise UsageError("params must be a dict")
            body["params"] = params
        body["justification"] = justification
        if on_behalf_of is not None:
            body["on_behalf_of"] = on_behalf_of
        body["idempotency_key"] = idempotency_key
        body["nonce"] = body_nonce(idempotency_key)
        if timeout_s is not None:
            if _int(timeout_s, 1, 2 ** 31 - 1) is None:
                raise UsageError("timeout_s must be a positive integer")
            body["timeout_s"] = int(timeout_s)
        for k in ("action", "target", "justification"):
            if not isinstance(body[k], str) or not body[k]:
                raise UsageError(f"{k} must be a non-empty string")
        try:
            return json.dumps(body, separators=(",", ":"),
                              ensure_ascii=False,
                              allow_nan=False).encode("utf-8")
        except (TypeError, ValueError, UnicodeEncodeError) as e:
            raise UsageError(f"the request cannot be JSON: {e}") from None

    def submit(self, body):
        """POST the exact bytes; a Result (pending, or final and checked).
        A lost answer is sent again to the next node: the idempotency key
        in the body makes that safe."""
        try:
            reply = self._call("POST", "/v1/requests", bytes(body))
        except _Unreachable as e:
            return Result(UNREACHABLE, why=f"cannot reach the daemon: {e}")
        if reply.status not in (200, 201):
            return self._error(reply)
        view = self._view(reply, None)
        if isinstance(view, Result):
            return view
        if view["state"] == PENDING:
            return Result(PENDING, view, "pending")
        return self._final(view, body)

    def request(self, action, target, justification, wait=True,
                max_wait_s=None, **fields):
        """Build, submit and (with wait) wait: the final Result, with the
        bytes sent in result.body."""
        body = self.build_body(action, target, justification, **fields)
        result = self.submit(body)
        if wait and result.outcome == PENDING:
            result = self.wait(result.id, body, max_wait_s)
        result.body = body
        return result

    def status(self, rid, sent=None):
        """The request's state now; an approval is verified (against sent
        when given)."""
        return self._get_once(_check_id(rid), 0, sent)

    def _get_once(self, rid, wait_s, sent):
        try:
            reply = self._call("GET", f"/v1/requests/{rid}?wait={wait_s}",
                               timeout=wait_s + WAIT_SLACK_S)
        except _Unreachable as e:
            return Result(UNREACHABLE, why=f"cannot reach the daemon: {e}",
                          rid=rid)
        if reply.status != 200:
            return self._error(reply, rid)
        view = self._view(reply, rid)
        if isinstance(view, Result):
            return view
        if view["state"] == PENDING:
            return Result(PENDING, view, "pending")
        return self._final(view, sent)

    def wait(self, rid, sent=None, max_wait_s=None):
        """Wait until the request is final, through daemon restarts and
        across the URL list: back off and ask again, up to its expires_at
        and a grace (then EXPIRED, or UNREACHABLE when the daemon never
        answered again). With max_wait_s, PENDING after that long. Pass the
        bytes sent (sent) so an approval is checked against them."""
        rid = _check_id(rid)
        start = int(time.time() * 1000)
        deadline = start + UNSEEN_MS
        stop = None if max_wait_s is None else start + int(max_wait_s * 1000)
        backoff, last, err, retry_ms = BACKOFF_MIN_MS, None, None, 0
        while True:
            asked = int(time.time() * 1000)
            wait_s = WAIT_S
            if stop is not None:
                wait_s = max(0, min(WAIT_S, (stop - asked) // 1000))
            r = self._get_once(rid, wait_s, sent)
            if r.outcome == UNREACHABLE:
                err, retry_ms = r.why, r.retry_ms
            elif r.outcome != PENDING:
                return r
            else:
                last, err = r, None
                deadline = r.view["expires_at"] + GRACE_MS
            now = int(time.time() * 1000)
            if stop is not None and now >= stop:
                return last or Result(UNREACHABLE if err else PENDING,
                                      why=err or "pending", rid=rid)
            if now >= deadline:
                if err is not None:
                    return Result(UNREACHABLE, last and last.view,
                                  f"giving up: {err}", rid)
                return Result(EXPIRED, last.view, "still pending past its "
                              "expiry: taken as expired", rid)
            if err is None and now - asked >= PROGRESS_MS:
                backoff = BACKOFF_MIN_MS
                continue
            limit = deadline if stop is None else min(deadline, stop)
            _backoff_sleep(max(backoff, retry_ms), limit)
            backoff = min(backoff * 2, BACKOFF_MAX_MS)

    def cancel(self, rid):
        """DELETE the request: CANCELLED, or the final Result it already
        had (the daemon's 409 is answered by asking for its view)."""
        rid = _check_id(rid)
        try:
            reply = self._call("DELETE", f"/v1/requests/{rid}")
        except _Unreachable as e:
            return Result(UNREACHABLE, why=f"cannot reach the daemon: {e}",
                          rid=rid)
        if reply.status == 409:
            return self.status(rid)
        if reply.status != 200:
            return self._error(reply, rid)
        view = self._view(reply, rid)
        if isinstance(view, Result):
            return view
        return self._final(view, None)


def _check_id(rid):
    if not isinstance(rid, str) or not _REQ_ID_RE.match(rid):
        raise UsageError("a request id is req_ and 1 to 44 letters or "
                         "digits")
    return rid


def _denial(view):
    """ ": by NAME: reason" for the first deny entry, names cleaned."""
    for e in view.get("signatures") or []:
        if isinstance(e, dict) and e.get("verdict") == "deny":
            signer = e.get("signer")
            reason = e.get("reason")
            text = f" by {clean(signer)[:64]}" if isinstance(signer, str) \
                else ""
            if isinstance(reason, str) and reason:
                text += f": {clean(reason)[:1024]}"
            return text
    return ""
