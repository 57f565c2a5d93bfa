#!/usr/bin/env python3
"""Write a SARIF 2.1.0 file with N results, streamed (constant memory), for bench/memory.sh.

Results point at PATHS existing files of the repository (round robin), each at its own line
and with its own rule and message, so that every result is a distinct finding. With
--secrets, every tenth result is a gitleaks-style secret (the value in `Secret`), so the
import also hashes and redacts values.

Usage: gen-big-sarif.py OUT.sarif RESULTS PATH [PATH...] [--secrets]
"""
import sys


def main():
    args = [a for a in sys.argv[1:] if a != "--secrets"]
    secrets = "--secrets" in sys.argv
    if len(args) < 3:
        sys.exit(__doc__)
    out, results, paths = args[0], int(args[1]), args[2:]
    with open(out, "w", buffering=1 << 20) as f:
        f.write('{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json",'
                '"runs":[{"tool":{"driver":{"name":"bench-scanner","version":"1.0",'
                '"rules":[')
        f.write(",".join('{"id":"R%03d","shortDescription":{"text":"rule %d"}}' % (r, r)
                         for r in range(200)))
        f.write(']}},"results":[')
        for i in range(results):
            if i:
                f.write(",")
            path = paths[i % len(paths)]
            line = 1 + (i // len(paths)) % 5000
            props = ""
            if secrets and i % 10 == 0:
                props = ',"properties":{"Secret":"tok_%032x"}' % i
            f.write('{"ruleId":"R%03d","level":"warning","message":{"text":"finding %d: '
                    'something questionable happens here in %s"},"locations":[{"physicalLocation":'
                    '{"artifactLocation":{"uri":"%s"},"region":{"startLine":%d,"endLine":%d}}}],'
                    '"partialFingerprints":{"primaryLocationLineHash":"%016x:%d"}%s}'
                    % (i % 200, i, path, path, line, line, i * 2654435761 % (1 << 64), i, props))
        f.write("]}]}\n")


if __name__ == "__main__":
    main()
