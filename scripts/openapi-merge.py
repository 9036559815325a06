#!/usr/bin/env python3
"""openapi-merge.py FRAGMENT...: merge OpenAPI fragments into web/openapi.json.

A fragment is {"tags": [...], "paths": {...}, "components": {"schemas": {...}, ...}}.
Its paths, tags and components replace those of the same name, so running it
again after editing a fragment is safe. Development aid for writing a feature's
part of the API description in its own file; the result is web/openapi.json.
"""
import fcntl, json, os, sys

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web", "openapi.json")
with open(path + ".lock", "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    with open(path) as f:
        doc = json.load(f)
    for frag_path in sys.argv[1:]:
        with open(frag_path) as f:
            frag = json.load(f)
        names = [t["name"] for t in doc.setdefault("tags", [])]
        for t in frag.get("tags", []):
            if t["name"] in names:
                doc["tags"][names.index(t["name"])] = t
            else:
                doc["tags"].append(t)
                names.append(t["name"])
        doc.setdefault("paths", {}).update(frag.get("paths", {}))
        for kind, items in frag.get("components", {}).items():
            doc.setdefault("components", {}).setdefault(kind, {}).update(items)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
os.remove(path + ".lock") if os.path.exists(path + ".lock") else None
