#!/usr/bin/env python3
"""Summarise jdk.ExecutionSample events of a JFR file: shares by thread group, by feature (the
first Omniglass package on the stack from the root, else the library), and hot top frames."""
import re, subprocess, sys, collections
f = sys.argv[1]
out = subprocess.run(["jfr", "print", "--stack-depth", "96", "--events", "jdk.ExecutionSample", f],
                     capture_output=True, text=True).stdout
samples = []
cur = None
for line in out.splitlines():
    s = line.strip()
    if s.startswith("jdk.ExecutionSample"):
        cur = {"thread": "?", "frames": []}
        samples.append(cur)
    elif s.startswith("sampledThread"):
        m = re.search(r'"(.*)"', s)
        cur["thread"] = m.group(1) if m else "?"
    elif cur is not None and re.match(r'^[\w$.<>]+\(.*\)\s+line:', s):
        cur["frames"].append(s.split("(")[0])
n = len(samples)
print(f"{n} execution samples")
def pct(c): return f"{100*c/n:5.1f}%"
tg = collections.Counter(re.sub(r"[0-9]+", "", x["thread"]) for x in samples)
print("\n-- by thread group"); [print(pct(c), k) for k, c in tg.most_common(20)]
FEATURES = [("bench", "io.omniglass.core.bench"), ("sink", "io.omniglass.core.sink"),
            ("rules.DecidedSamples", "io.omniglass.core.rules.DecidedSamples"), ("rules", "io.omniglass.core.rules"),
            ("alarms", "io.omniglass.core.alarms"), ("cdc", "io.omniglass.core.cdc"), ("telemetry", "io.omniglass.core.telemetry"),
            ("http", "io.omniglass.core.http"), ("gateway", "io.omniglass.core.gateway"), ("tenancy", "io.omniglass.core.tenancy"),
            ("lanes", "io.omniglass.core.lanes"), ("fleet", "io.omniglass.core.fleet"), ("lifecycle", "io.omniglass.core.lifecycle")]
def feature(fr):
    # the deepest (closest to the top) Omniglass feature frame decides, except lanes, which run everything
    for fname in fr:
        for name, pre in FEATURES:
            if fname.startswith(pre) and name != "lanes":
                return name
    for fname in fr:
        if fname.startswith("io.omniglass.core.lanes"): return "lanes"
    top = fr[-1] if fr else "?"
    for lib in ["io.nats", "io.micrometer", "ch.qos.logback", "com.fasterxml", "org.postgresql", "com.zaxxer", "org.jooq", "org.eclipse.jetty", "io.javalin"]:
        if any(x.startswith(lib) for x in fr): return "(other) " + lib
    return "(other) " + ".".join(top.split(".")[:3])
fc = collections.Counter(feature(x["frames"]) for x in samples)
print("\n-- by feature"); [print(pct(c), k) for k, c in fc.most_common(25)]
def lib(fname):
    for l in ["io.omniglass", "io.nats", "io.micrometer", "ch.qos.logback", "com.fasterxml.jackson", "org.postgresql", "com.zaxxer", "org.jooq",
              "java.time", "java.util.concurrent", "java.util", "java.lang", "sun.nio", "java.nio", "jdk.internal", "java.io", "org.eclipse.jetty"]:
        if fname.startswith(l): return l
    return ".".join(fname.split(".")[:2])
for feat in [k for k, _ in fc.most_common(6)]:
    sub = [x for x in samples if feature(x["frames"]) == feat]
    c = collections.Counter(lib(x["frames"][0]) if x["frames"] else "?" for x in sub)
    print(f"\n-- {feat}: self time by library of the top frame"); [print(pct(v), k) for k, v in c.most_common(8)]
top = collections.Counter(x["frames"][0] for x in samples if x["frames"])
print("\n-- hot top frames"); [print(pct(c), k) for k, c in top.most_common(30)]
# callers inside omniglass for the hottest frames
om = collections.Counter(next((fr for fr in x["frames"] if fr.startswith("io.omniglass")), "(none)") for x in samples)
print("\n-- nearest Omniglass frame"); [print(pct(c), k) for k, c in om.most_common(30)]
