#!/usr/bin/env python3
"""vendor-qrcode.py QRCODE_DIR DIJKSTRAJS_DIR OUT.js: bundle the browser build of
npm qrcode (lib/browser.js and what it requires) and its dependency dijkstrajs
into one script that sets window.QRCode, for web/static/vendor/qrcode/.

QRCODE_DIR and DIJKSTRAJS_DIR are the unpacked `package` folders of
`npm pack qrcode@1.5.4` and `npm pack dijkstrajs@1.0.3`. The sources are
copied unchanged, each wrapped in a CommonJS module function."""
import json, os, posixpath, re, sys

qr, dj, out = sys.argv[1:4]
roots = {"qrcode": qr, "dijkstrajs": dj}
mods, order = {}, []
req = re.compile(r"require\(\s*'([^']+)'\s*\)")

def resolve(cur, spec):
    if spec == "dijkstrajs":
        return "dijkstrajs/dijkstra.js"
    base = posixpath.normpath(posixpath.join(posixpath.dirname(cur), spec))
    return base if base.endswith(".js") else base + ".js"

def load(name):
    if name in mods:
        return
    pkg, rel = name.split("/", 1)
    src = open(os.path.join(roots[pkg], rel)).read()
    mods[name] = src
    for spec in req.findall(src):
        load(resolve(name, spec))
    order.append(name)

load("qrcode/lib/browser.js")
with open(out, "w") as f:
    f.write("/* qrcode 1.5.4 (MIT, Ryan Day) with dijkstrajs 1.0.3 (MIT, Wyatt Baldwin):\n"
            "   lib/browser.js and its modules, unchanged, bundled by scripts/vendor-qrcode.py. */\n")
    f.write("(function () {\nvar defs = {};\n")
    for name in order:
        deps = {spec: resolve(name, spec) for spec in req.findall(mods[name])}
        f.write("defs[%s] = [%s, function (module, exports, require) {\n%s\n}];\n" % (json.dumps(name), json.dumps(deps), mods[name]))
    f.write("""var cache = {};
function load(name) {
  if (cache[name]) return cache[name].exports;
  var def = defs[name];
  var module = { exports: {} };
  cache[name] = module;
  def[1](module, module.exports, function (spec) { return load(def[0][spec]); });
  return module.exports;
}
window.QRCode = load("qrcode/lib/browser.js");
})();
""")
print(len(order), "modules")
