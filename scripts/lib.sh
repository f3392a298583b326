# shellcheck shell=bash
# Shared helpers for scripts/test.sh and scripts/demo.sh (source, don't run).

# Debian 12 packages needed to build and test mod_mailautoconf.
MAC_PACKAGES=(
    apache2 apache2-dev
    libxml2-dev libssl-dev libc6-dev
    gcc make pkg-config
    perl libapache2-mod-perl2
    libxml-libxml-perl libwww-perl liblwp-protocol-https-perl libjson-pp-perl
    openssl curl
    sqlite3 libaprutil1-dbd-sqlite3
    memcached redis-server
)

# Absolute path of the repository root (parent of scripts/).
mac_repo_root() {
    (cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
}

# Run a command as root (directly, or through sudo when not root).
mac_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

# Install whichever of MAC_PACKAGES are missing (checked with dpkg-query).
mac_install_packages() {
    local pkg status missing=()
    for pkg in "${MAC_PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
        case "$status" in
            ii*) ;;
            *) missing+=("$pkg") ;;
        esac
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "packages: all ${#MAC_PACKAGES[@]} required Debian packages are installed"
        return 0
    fi
    echo "packages: installing ${missing[*]}"
    mac_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    mac_as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}" </dev/null || return 1
}

# Build .libs/mod_mailautoconf.so (with -Werror).
mac_build_module() {
    make -f Makefile.apxs all
}
