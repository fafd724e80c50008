# Sourced by .ci/run (and usable by hand: `source .ci/node.sh`): puts the Node.js release CI tests
# on PATH when the machine's own node is older than the project supports (package.json engines).
# It comes from the npm registry's official binary package (node-linux-<arch>), so it needs no
# other download site; it is unpacked once into ~/.cache/flufhe and reused.
FLUFHE_NODE_VERSION=22.23.3

flufhe_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(flufhe_node_major)" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) flufhe_arch=x64 ;;
    aarch64 | arm64) flufhe_arch=arm64 ;;
    *) echo "no Node $FLUFHE_NODE_VERSION package for $(uname -m): install Node 22 or 24 yourself" >&2; return 1 ;;
  esac
  flufhe_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/flufhe/node-$FLUFHE_NODE_VERSION-$flufhe_arch"
  if [ ! -x "$flufhe_node_dir/bin/node" ]; then
    flufhe_tmp=$(mktemp -d)
    # npm pack checks the tarball against the registry's integrity hash.
    (cd "$flufhe_tmp" && npm pack --silent "node-linux-$flufhe_arch@$FLUFHE_NODE_VERSION" >/dev/null)
    mkdir -p "$flufhe_node_dir"
    tar -xzf "$flufhe_tmp"/node-linux-*.tgz --strip-components=1 -C "$flufhe_node_dir"
    rm -rf "$flufhe_tmp"
  fi
  export PATH="$flufhe_node_dir/bin:$PATH"
  # Native addons (if any install script is approved) build against this Node's headers, not /usr's.
  export npm_config_nodedir="$flufhe_node_dir"
fi
