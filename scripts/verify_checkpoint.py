#!/usr/bin/env python3
"""Verify a devspm audit export without devspm (Python 3 standard library only).

    python3 verify_checkpoint.py EXPORT_DIR [--key VERIFIER] [--proof PROOF.json]

EXPORT_DIR holds events.jsonl, checkpoint.txt and (optionally) verifier.pub and
manifest.json, as written by `devspm audit export`. VERIFIER is the checkpoint signer's key (a
file, or the string `<name>+<key id>+<base64 key>`); use the copy you obtained from the
ledger's operator, not the one inside the export.

A full export (every event from event 1) is checked in this order:

1. every event's chain hash (docs/ledger.md) and its link to the previous event;
2. each event's leaf index and leaf hash (RFC 6962: SHA-256(0x00 || event hash));
3. the checkpoint's Ed25519 signature (C2SP signed note) with the verifier key;
4. the Merkle root of the first N events equals the checkpoint's root (N = its tree size);
5. optionally, an inclusion proof (`devspm audit prove SEQ --format json`) against that root.

A partial export (`devspm audit export --since/--until/--repo/--identity`: manifest.json says
"partial"; without a manifest, events that do not start at event 1) holds only some events, each with its
inclusion proof in proofs.jsonl. After checking the signature (3), each event is checked on
its own: its chain hash recomputed from its fields and its prev_hash, its link to the event
before it when that one is exported too, its leaf index and leaf hash, and its inclusion proof
against the checkpoint's root for the checkpoint's tree size. The events and proofs must match
one to one, and their number the manifest's.

Exit status 0 when everything verifies, 1 with one line naming the first problem otherwise.
"""

import base64
import hashlib
import json
import os
import struct
import sys

# --- Ed25519 verification (RFC 8032 section 5.1.7), pure Python -------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % P
    bb = (y1 + x1) * (y2 + x2) % P
    cc = 2 * t1 * t2 * D % P
    dd = 2 * z1 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, p):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _equal(a, b):
    x1, y1, z1, _ = a
    x2, y2, z2, _ = b
    return (x1 * z2 - x2 * z1) % P == 0 and (y1 * z2 - y2 * z1) % P == 0


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


_GY = 4 * pow(5, P - 2, P) % P
G = (_recover_x(_GY, 0), _GY, 1, _recover_x(_GY, 0) * _GY % P)


def ed25519_verify(public, message, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _equal(_mul(s, G), _add(r, _mul(h, a)))


# --- devspm's chain hash and the RFC 6962 tree -------------------------------------------


def chain_hash(prev_hash, seq, fields):
    h = hashlib.sha256(b"devspm-event-v1\x00")
    h.update(bytes.fromhex(prev_hash))
    h.update(struct.pack(">Q", seq))
    for field in fields:
        data = field.encode("utf-8")
        h.update(struct.pack(">I", len(data)))
        h.update(data)
    return h.hexdigest()


def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves):
    """RFC 6962 MTH over leaf hashes, with a stack (one pass, O(log n) memory)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    stack = []  # (level, hash)
    for i, h in enumerate(leaves):
        level = 0
        while stack and stack[-1][0] == level:
            h = node_hash(stack.pop()[1], h)
            level += 1
        stack.append((level, h))
    h = stack.pop()[1]
    while stack:
        h = node_hash(stack.pop()[1], h)
    return h


def verify_inclusion(leaf, index, size, path, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# --- the checkpoint (C2SP tlog-checkpoint + signed-note) -------------------------------


def parse_verifier(text):
    name, key_id, key = text.strip().split("+", 2)
    raw = base64.b64decode(key, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("not an Ed25519 verifier key")
    computed = hashlib.sha256(name.encode() + b"\n\x01" + raw[1:]).digest()[:4]
    if computed.hex() != key_id:
        raise ValueError("the key id does not match the name and key")
    return name, computed, raw[1:]


def verify_checkpoint(note, verifier):
    name, key_id, public = verifier
    body, sep, sigs = note.partition("\n\n")
    if not sep:
        raise ValueError("not a checkpoint: no blank line before the signatures")
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4 or not lines[0] or not lines[1].isdigit():
        raise ValueError("not a checkpoint: expected origin, tree size and root hash lines")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise ValueError("not a checkpoint: the root hash is not 32 bytes")
    seen = []
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            raise ValueError("malformed signature line: %r" % line)
        signer, blob = line[2:].split(" ", 1)
        raw = base64.b64decode(blob, validate=True)
        if signer == name and raw[:4] == key_id:
            if not ed25519_verify(public, body.encode("utf-8"), raw[4:]):
                raise ValueError(
                    "the signature by %s+%s does not verify: the checkpoint was altered or forged"
                    % (name, key_id.hex())
                )
            return origin, size, root
        seen.append("%s+%s" % (signer, raw[:4].hex()))
    raise ValueError(
        "the checkpoint is not signed by %s+%s (signed by: %s)"
        % (name, key_id.hex(), ", ".join(seen) or "nobody")
    )


def fail(message):
    print("verify_checkpoint: FAILED: " + message, file=sys.stderr)
    sys.exit(1)


def read_jsonl(path, what):
    """One JSON object a line; a line that is not JSON is a truncated or damaged export."""
    items = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            try:
                item = json.loads(line)
            except ValueError:
                fail("%s line %d is not JSON (a truncated export?)" % (what, number))
            if not isinstance(item, dict):
                fail("%s line %d is not a JSON object" % (what, number))
            items.append(item)
    return items


def read_events(folder):
    return read_jsonl(os.path.join(folder, "events.jsonl"), "events.jsonl")


def event_fields(e):
    return [e["key"], e["kind"], e["at"], e["actor"], e["subject"], e["payload"]]


def read_checkpoint(folder, verifier):
    note = open(os.path.join(folder, "checkpoint.txt"), encoding="utf-8").read()
    try:
        return verify_checkpoint(note, verifier)
    except ValueError as e:
        fail(str(e))


def check_proof(proof, leaf, seq, size, root, source):
    """An inclusion proof of event `seq` (leaf hash `leaf`) against the checkpoint."""
    if proof.get("tree_size") != size:
        fail("%s: the proof of event %d is for a tree of %s events but the checkpoint is for %d"
             % (source, seq, proof.get("tree_size"), size))
    if proof.get("leaf_index") != seq - 1 or proof.get("leaf_hash") != leaf.hex():
        fail("%s: the proof's leaf is not event %d of the export" % (source, seq))
    try:
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
    except (KeyError, TypeError, ValueError):
        fail("%s: the proof of event %d has no usable audit path" % (source, seq))
    if not verify_inclusion(leaf, seq - 1, size, path, root):
        fail("%s: the inclusion proof of event %d does not lead to the checkpoint's root "
             "(the event or its proof was altered, or it is not in the signed tree)"
             % (source, seq))


def verify_partial(folder, verifier, events, manifest, proof_file):
    """A partial export: each event verified on its own by its inclusion proof."""
    origin, size, root = read_checkpoint(folder, verifier)
    proofs_path = os.path.join(folder, "proofs.jsonl")
    if not os.path.isfile(proofs_path):
        fail("proofs.jsonl is missing: a partial export needs one inclusion proof per event "
             "(or this is a full export whose first events were removed)")
    proofs = read_jsonl(proofs_path, "proofs.jsonl")
    if manifest is not None and manifest.get("events") != len(events):
        fail("the export is truncated: manifest.json lists %s events but events.jsonl holds %d"
             % (manifest.get("events"), len(events)))
    by_seq = {}
    for p in proofs:
        seq = p.get("seq")
        if seq in by_seq:
            fail("proofs.jsonl holds two proofs of event %s" % seq)
        by_seq[seq] = p
    previous = None
    for number, e in enumerate(events, 1):
        try:
            seq = e["seq"]
            if not isinstance(seq, int) or seq < 1:
                raise ValueError
            fields = event_fields(e)
            computed = chain_hash(e["prev_hash"], seq, fields)
        except (KeyError, TypeError, ValueError, AttributeError):
            fail("events.jsonl line %d is not a complete event" % number)
        if previous is not None and seq <= previous["seq"]:
            fail("event %d comes after event %d (events reordered or duplicated)"
                 % (seq, previous["seq"]))
        if seq > size:
            fail("event %d is not covered by the checkpoint of %d events" % (seq, size))
        if computed != e["hash"]:
            fail("event %d was altered: its hash does not match its content" % seq)
        if previous is not None and previous["seq"] == seq - 1 and e["prev_hash"] != previous["hash"]:
            fail("event %d does not follow event %d (events removed, reordered or re-hashed)"
                 % (seq, seq - 1))
        leaf = leaf_hash(bytes.fromhex(e["hash"]))
        if e.get("leaf_index") != seq - 1 or e.get("leaf_hash") != leaf.hex():
            fail("event %d: wrong leaf index or leaf hash" % seq)
        proof = by_seq.pop(seq, None)
        if proof is None:
            fail("event %d has no inclusion proof in proofs.jsonl" % seq)
        check_proof(proof, leaf, seq, size, root, "proofs.jsonl")
        previous = e
    if by_seq:
        fail("proofs.jsonl holds a proof of event %s, which events.jsonl does not hold"
             % sorted(by_seq, key=str)[0])
    extra = ""
    if proof_file:
        proof = json.load(open(proof_file, encoding="utf-8"))
        seq = proof.get("seq", (proof.get("leaf_index") or 0) + 1)
        match = [e for e in events if e["seq"] == seq]
        if not match:
            fail("%s proves event %s, which this partial export does not hold" % (proof_file, seq))
        check_proof(proof, leaf_hash(bytes.fromhex(match[0]["hash"])), seq, size, root, proof_file)
        extra = "; the inclusion proof of event %d holds" % seq
    print("verified: partial export of %d events (%s); each event's hash, leaf hash and "
          "inclusion proof checked against checkpoint %r of %d events (root %s) signed by %s%s"
          % (len(events),
             "events %d..%d" % (events[0]["seq"], events[-1]["seq"]) if events else "none",
             origin, size, root.hex()[:16], verifier[0], extra))
    return 0


def main(argv):
    args, key, proof_file = [], None, None
    it = iter(argv)
    for a in it:
        if a in ("-h", "--help"):
            print(__doc__)
            return 0
        if a == "--key":
            key = next(it, None)
        elif a == "--proof":
            proof_file = next(it, None)
        else:
            args.append(a)
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    folder = args[0]
    if key is None:
        key = os.path.join(folder, "verifier.pub")
    key_text = open(key, encoding="utf-8").read() if os.path.isfile(key) else key
    try:
        verifier = parse_verifier(key_text)
    except ValueError as e:
        fail("the verifier key is not usable: %s" % e)

    manifest = None
    manifest_path = os.path.join(folder, "manifest.json")
    if os.path.isfile(manifest_path):
        try:
            manifest = json.load(open(manifest_path, encoding="utf-8"))
        except ValueError:
            fail("manifest.json is not JSON (a truncated export?)")
    events = read_events(folder)
    if manifest is not None:
        partial = manifest.get("export") == "partial"
    else:  # an export without a manifest: partial when it does not start at event 1
        partial = bool(events) and events[0].get("seq") != 1
    if partial:
        return verify_partial(folder, verifier, events, manifest, proof_file)

    # 1-2. The chain and the leaves.
    leaves, prev = [], "0" * 64
    for number, e in enumerate(events, 1):
        seq = e["seq"]
        if seq != number:
            fail("event %d is missing: line %d holds event %d (events deleted or reordered)"
                 % (number, number, seq))
        if chain_hash(e["prev_hash"], seq, event_fields(e)) != e["hash"]:
            fail("event %d was altered: its hash does not match its content" % seq)
        if e["prev_hash"] != prev:
            fail("event %d does not follow event %d (events removed, reordered or re-hashed)"
                 % (seq, seq - 1))
        leaf = leaf_hash(bytes.fromhex(e["hash"]))
        if e["leaf_index"] != seq - 1 or e["leaf_hash"] != leaf.hex():
            fail("event %d: wrong leaf index or leaf hash" % seq)
        leaves.append(leaf)
        prev = e["hash"]

    # 3. The signature.
    origin, size, root = read_checkpoint(folder, verifier)

    # 4. The root.
    if size > len(leaves):
        fail("the export is truncated: the checkpoint covers %d events but events.jsonl holds %d"
             % (size, len(leaves)))
    if merkle_root(leaves[:size]) != root:
        fail("the Merkle root of the first %d events is not the checkpoint's root "
             "(events were changed after it was signed)" % size)

    # 5. An inclusion proof.
    if proof_file:
        proof = json.load(open(proof_file, encoding="utf-8"))
        if proof["tree_size"] != size:
            fail("the proof is for a tree of %d events but the checkpoint is for %d"
                 % (proof["tree_size"], size))
        index = proof["leaf_index"]
        if not 0 <= index < size or leaves[index].hex() != proof["leaf_hash"]:
            fail("the proof's leaf is not event %d of the export" % (index + 1))
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        if not verify_inclusion(leaves[index], index, size, path, root):
            fail("the inclusion proof of event %d does not lead to the checkpoint's root"
                 % (index + 1))

    print("verified: %d events chain correctly; checkpoint %r of %d events (root %s) is "
          "signed by %s and matches them%s"
          % (len(leaves), origin, size, root.hex()[:16], verifier[0],
             "; the inclusion proof of event %d holds" % (proof["leaf_index"] + 1)
             if proof_file else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
