# Shared by scripts/*: where the repo is, and installing what is missing.
# Source it; it defines functions only.

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

# Swift lives in /opt/swift on these machines; make sure it is on PATH.
case ":$PATH:" in *:/opt/swift/usr/bin:*) ;; *) [ -d /opt/swift/usr/bin ] && PATH="$PATH:/opt/swift/usr/bin" ;; esac
export PATH

# ensure_packages PKG...: installs the Debian packages that are not installed yet.
# Quiet and quick when all are present; runs apt-get update first otherwise,
# since a fresh machine's package lists may be empty. Never prompts.
ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >&2
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building the package needs: the C libraries behind Sources/C*.
build_packages=(pkg-config libcurl4-openssl-dev libxml2-dev libpsl-dev zlib1g-dev libssl-dev)

# build_release: builds the tools as they ship and prints the directory they are in. The
# Swift runtime is linked into each tool (--static-swift-stdlib), so a launch maps a dozen
# fewer shared libraries, which every stage of every crawl level pays (perf stat, medians
# of 40: afilter --version 14.0 -> 10.7 ms, astats 7.3 -> 4.3 ms). Progress goes to stderr.
build_release() {
    swift build -c release --static-swift-stdlib >&2
    swift build -c release --static-swift-stdlib --show-bin-path
}
