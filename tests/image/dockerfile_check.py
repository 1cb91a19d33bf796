"""Compare what the Dockerfile declares with the configuration of the image tests/image/build made.

    python dockerfile_check.py DOCKERFILE INSPECT_JSON --version V --revision R --source S

INSPECT_JSON is `podman image inspect IMAGE`. The build args are the values tests/image/build
used (a docker build would pass the same with --build-arg). Prints one `ok   - ...` or
`FAIL - ...` line per comparison and exits 1 if any failed. Only the standard library: it runs
on the system Python as well as in the chart's venv.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from pathlib import Path

# docker build and buildah bud give a FROM-scratch image this PATH although the Dockerfile declares
# none (tests/image/build sets the same). With no shell in the image, it is inert either way.
ENGINE_DEFAULT_ENV = {"PATH"}


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, buf = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def substitute(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], ""), value)


def key_values(text: str, args: dict[str, str]) -> dict[str, str]:
    """LABEL/ENV in the `k=v k2="v 2"` form (the legacy `ENV k v` form is refused)."""
    pairs = {}
    for token in shlex.split(text):
        if "=" not in token:
            raise ValueError(f"not key=value: {token!r}")
        k, _, v = token.partition("=")
        pairs[substitute(k, args)] = substitute(v, args)
    return pairs


def final_stage(instrs: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]], list[list[tuple[str, str]]]]:
    starts = [i for i, (ins, _) in enumerate(instrs) if ins == "FROM"]
    stages = [instrs[a:b] for a, b in zip(starts, [*starts[1:], len(instrs)], strict=True)]
    base = stages[-1][0][1].split()[0]
    return base, stages[-1][1:], stages[:-1]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="dockerfile_check.py")
    p.add_argument("dockerfile")
    p.add_argument("inspect")
    p.add_argument("--version", required=True)
    p.add_argument("--revision", required=True)
    p.add_argument("--source", required=True)
    a = p.parse_args(argv)
    instrs = instructions(Path(a.dockerfile).read_text())
    (image,) = json.loads(Path(a.inspect).read_text())
    cfg = image.get("Config") or {}
    base, stage, earlier = final_stage(instrs)
    build_args = {"VERSION": a.version, "REVISION": a.revision, "SOURCE": a.source}

    declared: dict[str, object] = {"ENV": {}, "LABEL": {}, "EXPOSE": set(), "ARG": {}}
    for ins, rest in stage:
        if ins == "ARG":
            name, _, default = rest.partition("=")
            declared["ARG"][name] = default
        elif ins in ("ENV", "LABEL"):
            declared[ins].update(key_values(rest, {**declared["ARG"], **build_args}))
        elif ins == "EXPOSE":
            declared["EXPOSE"].update(p if "/" in p else f"{p}/tcp" for p in rest.split())
        elif ins in ("USER", "WORKDIR", "STOPSIGNAL"):
            declared[ins] = rest
        elif ins in ("ENTRYPOINT", "CMD"):
            declared[ins] = json.loads(rest)  # exec form only: the image has no shell
        elif ins in ("COPY", "ADD"):
            declared.setdefault("layers", []).append(rest)
        elif ins in ("RUN", "SHELL", "HEALTHCHECK", "ONBUILD", "VOLUME"):
            declared.setdefault("unexpected", []).append(f"{ins} {rest}")

    env = dict(e.partition("=")[::2] for e in cfg.get("Env") or [])
    results: list[tuple[bool, str]] = []

    def check(ok: bool, what: str) -> None:
        results.append((bool(ok), what))

    check(base == "scratch", f"the final stage starts FROM scratch (declared: {base})")
    check(len(image["RootFS"]["Layers"]) == len(declared.get("layers", [])) == 1,
          f"one layer, as the final stage's single COPY makes ({len(image['RootFS']['Layers'])} in the image)")
    check(declared.get("layers") == ["--from=rootfs /rootfs/ /"],
          f"the final stage copies the rootfs stage's /rootfs/ to / ({declared.get('layers')})")
    rootfs_stage = [s for s in earlier if re.search(r"\bAS rootfs$", s[0][1], re.IGNORECASE)]
    runs = [rest for ins, rest in (rootfs_stage[0] if rootfs_stage else []) if ins == "RUN"]
    check(any(r.split()[:3] == ["rootfs", "/out/regional-failover", "/rootfs"] for r in runs),
          "the rootfs stage assembles /rootfs with tests/image/rootfs, as tests/image/build does")
    check(not declared.get("unexpected"), f"no RUN/SHELL/HEALTHCHECK/VOLUME in the final stage "
          f"({declared.get('unexpected')})")
    check(cfg.get("User") == declared.get("USER"), f"USER {declared.get('USER')} == image {cfg.get('User')!r}")
    check(cfg.get("Entrypoint") == declared.get("ENTRYPOINT"),
          f"ENTRYPOINT {declared.get('ENTRYPOINT')} == image {cfg.get('Entrypoint')}")
    check(cfg.get("Cmd") == declared.get("CMD"), f"CMD {declared.get('CMD')} == image {cfg.get('Cmd')}")
    want_env = declared["ENV"]
    check({k: env.get(k) for k in want_env} == want_env and set(env) - set(want_env) <= ENGINE_DEFAULT_ENV,
          f"ENV {want_env} == image {env} (an engine's default PATH aside)")
    ports = set(cfg.get("ExposedPorts") or {})
    check(ports == declared["EXPOSE"], f"EXPOSE {sorted(declared['EXPOSE'])} == image {sorted(ports)}")
    labels = cfg.get("Labels") or image.get("Labels") or {}
    check(labels == declared["LABEL"], f"LABEL {declared['LABEL']} == image {labels}")
    oci = {k: v for k, v in (image.get("Annotations") or {}).items() if k in declared["LABEL"]}
    check(oci == declared["LABEL"], f"the manifest's OCI annotations carry the same values ({oci})")
    for key in ("org.opencontainers.image.source", "org.opencontainers.image.version",
                "org.opencontainers.image.revision"):
        check(key in declared["LABEL"], f"the Dockerfile declares {key}")
    check(declared["ARG"].get("VERSION") == a.version,
          f"ARG VERSION's default {declared['ARG'].get('VERSION')!r} is the crate's version {a.version!r}")
    check(cfg.get("WorkingDir", "") in ("", "/") and "WORKDIR" not in declared,
          f"no WORKDIR in either (image: {cfg.get('WorkingDir')!r})")
    check(cfg.get("StopSignal", "") == declared.get("STOPSIGNAL", ""),
          f"STOPSIGNAL {declared.get('STOPSIGNAL', '(default)')} == image {cfg.get('StopSignal') or '(default)'}")

    for ok, what in results:
        print(f"{'ok  ' if ok else 'FAIL'} - dockerfile: {what}")
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
