# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it; do not run it.
# The callers use `set -euo pipefail`; every function here returns non-zero
# (or exits through `pac_die`) on failure.

# Debian packages the build and the tests need. Scripts and later modules add
# theirs with PAC_DEBIAN_PACKAGES+=(...) before calling pac_ensure_packages.
#   maven, gcc, make, libc6-dev   build (gcc only recommends libc6-dev, and we
#                                 install without recommends)
#   libpulse-dev                  headers for the shim's PulseAudio backend (the
#                                 shim dlopens libpulse.so.0 at run time)
#   pulseaudio, pulseaudio-utils  the private test server and pactl/pacat/parec
#   sox                           tone player and analysis; raw and WAV are built
#                                 into libsox3, libsox-fmt-base comes with it
#   alsa-utils, libasound2-plugins arecord, and ALSA's `pulse` plugin that routes
#                                 ALSA's default device into PulseAudio
#   ca-certificates               Maven Central over HTTPS
#   valgrind                      scripts/sanitize runs the shim's C tests under memcheck
#   prometheus                    the real Prometheus server (and promtool) that the
#                                 CLI's metrics test starts and queries
#   pipewire, pipewire-bin        the private PipeWire the tests start (testing/PipeWireServer);
#                                 pipewire-bin has the `pipewire` daemon and its default config
#   pipewire-pulse                PipeWire's PulseAudio server: the libpulse side of the tests.
#                                 Installs beside pulseaudio, but its postinst enables its systemd
#                                 user units (Conflicts=pulseaudio): on a desktop that runs
#                                 PulseAudio, `systemctl --user mask pipewire-pulse.socket` keeps it
#   wireplumber                   the session manager that links PipeWire's streams to devices
#   dbus-daemon                   the private session bus WirePlumber needs (the daemon alone:
#                                 the `dbus` package would add the system bus we do not use)
#   gcc-mingw-w64-x86-64          cross-compiles panamaaudio.dll (the WASAPI backend) in
#                                 every `mvn package`; brings binutils-mingw-w64 (objdump)
#   wine, wine64, libwine         Debian 12's Wine 8 runs the Windows harness (capture
#                                 endpoints); wine64 alone has no `wine` launcher
#   debootstrap                   builds the cached Debian 13 chroot whose Wine 10 runs the
#                                 loopback cases (Wine 8 cannot capture loopback)
PAC_DEBIAN_PACKAGES=(
  maven gcc make libc6-dev
  libpulse-dev
  pulseaudio pulseaudio-utils
  sox
  alsa-utils libasound2-plugins
  ca-certificates
  valgrind
  prometheus
  pipewire pipewire-bin pipewire-pulse wireplumber dbus-daemon
  gcc-mingw-w64-x86-64
  wine wine64 libwine
  debootstrap
)

# The JDK feature release the build needs (the FFM API is final from 22).
PAC_MIN_JAVA=22

pac_die() {
  echo "error: $*" >&2
  exit 1
}

pac_log() {
  echo ">> $*" >&2
}

# Prints the feature version (17, 22, 25, ...) of the JDK at $1, or nothing if
# $1 is not a JDK (no bin/javac) or its version cannot be read.
pac_jdk_major() {
  local home=$1 version=""
  [[ -x "$home/bin/javac" && -x "$home/bin/java" ]] || return 0
  if [[ -r "$home/release" ]]; then
    version=$(sed -n 's/^JAVA_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$home/release" | head -n 1)
  fi
  if [[ -z "$version" ]]; then
    # `java -version` prints e.g.: openjdk version "25.0.3" 2026-04-21
    version=$("$home/bin/java" -version 2>&1 | sed -n 's/^.* version "\([^"]*\)".*$/\1/p' | head -n 1)
  fi
  version=${version#1.}            # 1.8.0_392 -> 8.0_392
  version=${version%%[!0-9]*}      # 25.0.3 -> 25, 22-ea -> 22
  [[ -n "$version" ]] && echo "$version"
  return 0
}

# Exports JAVA_HOME pointing at a JDK >= PAC_MIN_JAVA and puts its bin/ first
# on PATH. Keeps a suitable $JAVA_HOME; otherwise picks the newest under
# /usr/lib/jvm (PAC_JVM_DIRS overrides where to look, space-separated globs).
pac_find_jdk() {
  local major best="" best_major=0 candidate searched=()
  if [[ -n "${JAVA_HOME:-}" ]]; then
    searched+=("JAVA_HOME=$JAVA_HOME")
    major=$(pac_jdk_major "$JAVA_HOME")
    if [[ -n "$major" ]] && (( major >= PAC_MIN_JAVA )); then
      best=$JAVA_HOME
      best_major=$major
    fi
  fi
  if [[ -z "$best" ]]; then
    local globs=${PAC_JVM_DIRS:-/usr/lib/jvm/*}
    searched+=("$globs")
    # shellcheck disable=SC2086 # the globs are meant to expand
    for candidate in $globs; do
      [[ -d "$candidate" ]] || continue
      candidate=$(cd "$candidate" && pwd -P)
      major=$(pac_jdk_major "$candidate")
      [[ -n "$major" ]] || continue
      if (( major >= PAC_MIN_JAVA && major > best_major )); then
        best=$candidate
        best_major=$major
      fi
    done
  fi
  if [[ -z "$best" ]]; then
    echo "error: no JDK >= $PAC_MIN_JAVA found (searched: ${searched[*]}); install one (e.g. Temurin) and set JAVA_HOME to it" >&2
    return 1
  fi
  export JAVA_HOME=$best PAC_JDK_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
  pac_log "using JDK $best_major at $JAVA_HOME"
}

# Installs those of the given Debian packages (default: PAC_DEBIAN_PACKAGES)
# that are not installed yet. Does nothing, and needs no network, when all are.
pac_ensure_packages() {
  local pkgs=("$@") missing=() pkg status
  (( ${#pkgs[@]} > 0 )) || pkgs=("${PAC_DEBIAN_PACKAGES[@]}")
  for pkg in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == installed ]] || missing+=("$pkg")
  done
  (( ${#missing[@]} > 0 )) || return 0

  local sudo=()
  if (( EUID != 0 )); then
    command -v sudo >/dev/null 2>&1 \
      || pac_die "missing Debian packages (${missing[*]}), and not root and no sudo to install them"
    sudo=(sudo)
  fi
  pac_log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# Runs Maven in batch mode, without transfer progress, with the JDK that
# pac_find_jdk chose (it is called here if it was not yet).
pac_mvn() {
  if [[ -z "${PAC_JDK_HOME:-}" || "${PAC_JDK_HOME}" != "${JAVA_HOME:-}" ]]; then
    pac_find_jdk
  fi
  command -v mvn >/dev/null 2>&1 || pac_ensure_packages maven
  mvn -B -ntp "$@"
}
