# shellcheck shell=bash
# Sourced (not run) by bench/gpu_check.sh and bench/gpu_sweep.sh: the step bookkeeping they
# share and their build. `gpu_build [TARGET...]` unpacks bench/deps/*.deb into a private prefix
# (never into /), configures a Release tree for sm_90 against it and builds TARGETs (all when
# none), recording the steps unpack, configure and build. On a tree that is already built and
# up to date the build step is a ninja no-op.
#
# The caller sets, before sourcing:
#   ROOT       the repository root (absolute)
#   T0         `date +%s` at the start of the whole run
#   LIMIT_S    seconds the whole run may take: `run` shrinks each step's timeout to what is left
#   BUILD_LOG  the log the unpack/configure/build output goes to
#   STEP_TAG   the prefix of each step's line (default gpu_check)
# Environment: QRSWEEP_DEPS_DIR (default bench/deps), QRSWEEP_DEPS_PREFIX (default
# build-gpu-deps), QRSWEEP_GPU_BUILD (default build-gpu), QRSWEEP_CUDA_ARCH (default 90),
# QRSWEEP_BUILD_JOBS (default: the core count),
# QRSWEEP_CONFIGURE_TIMEOUT_S (default 120), QRSWEEP_BUILD_TIMEOUT_S (default 400),
# QRSWEEP_PREFIX_PKGCONFIG=1 (use the prefix's pkgconf).
# After gpu_build: DEPS_OK and BUILD_OK are 1 or 0; FMNIST is the data set's directory in the
# prefix; PKG_CONFIG_PATH and LD_LIBRARY_PATH (the prefix's libraries first) are exported.
# shellcheck disable=SC2034  # FMNIST, FAILED, BUILD_OK, ... are read by the callers

: "${ROOT:?}" "${T0:?}" "${LIMIT_S:?}" "${BUILD_LOG:?}"  # set by the caller
DEPS=${QRSWEEP_DEPS_DIR:-$ROOT/bench/deps}
PREFIX=${QRSWEEP_DEPS_PREFIX:-$ROOT/build-gpu-deps}
BUILD=${QRSWEEP_GPU_BUILD:-$ROOT/build-gpu}
ARCH=${QRSWEEP_CUDA_ARCH:-90}
JOBS=${QRSWEEP_BUILD_JOBS:-$(nproc 2>/dev/null || echo 4)}
STEP_TAG=${STEP_TAG:-gpu_check}
FMNIST=$PREFIX/usr/share/datasets/fashion-mnist
LIBDIR=$PREFIX/usr/lib/x86_64-linux-gnu
PKG_CONFIG_BIN=pkg-config
DEPS_OK=0
BUILD_OK=0

# ---- Steps: each is recorded once, with its result, seconds and a note --------------------
STEP_NAMES=(); STEP_RESULTS=(); STEP_SECS=(); STEP_NOTES=()
FAILED=0
record() {  # name result seconds note
  STEP_NAMES+=("$1"); STEP_RESULTS+=("$2"); STEP_SECS+=("$3"); STEP_NOTES+=("$4")
  [ "$2" = FAIL ] && FAILED=1
  printf '%s: %-26s %-5s %4ss  %s\n' "$STEP_TAG" "$1" "$2" "$3" "$4"
}
elapsed() { echo $(( $(date +%s) - T0 )); }
# run NAME LOG TIMEOUT_S NOTE command...: runs the command (its output into LOG), records it.
# The timeout shrinks to what is left of LIMIT_S, so the summary is always written.
run() {
  local name=$1 log=$2 limit=$3 note=$4; shift 4
  local left=$(( LIMIT_S - $(elapsed) - 10 ))
  if [ "$left" -lt 15 ]; then
    record "$name" SKIP 0 "out of time (limit ${LIMIT_S}s)"; return 1
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  local t rc
  t=$(date +%s)
  printf '\n===== %s (%s)\n$ %s\n' "$name" "$(date -u +%H:%M:%S)" "$*" >>"$log"
  timeout "$limit" "$@" >>"$log" 2>&1
  rc=$?
  local dt=$(( $(date +%s) - t ))
  if [ $rc -eq 0 ]; then record "$name" ok "$dt" "$note"
  elif [ $rc -eq 124 ]; then
    record "$name" FAIL "$dt" "timed out after ${limit}s (see $(basename "$log"))"
  else record "$name" FAIL "$dt" "exit $rc (see $(basename "$log"))"; fi
  return $rc
}

# ---- 1. Unpack the Debian packages into the prefix --------------------------------------
unpack() {
  rm -rf "$PREFIX" && mkdir -p "$PREFIX" || return 1
  local n=0 deb
  for deb in "$DEPS"/*.deb; do
    if [ ! -e "$deb" ]; then
      echo "no .deb files in $DEPS: run bench/gpu_deps.sh on a build machine"
      return 1
    fi
    if command -v dpkg >/dev/null 2>&1; then
      dpkg -x "$deb" "$PREFIX" || return 1
    else  # no dpkg: a .deb is an ar archive holding data.tar.*
      local member
      member=$(ar t "$deb" | grep '^data\.tar') || return 1
      ar p "$deb" "$member" | tar -x -C "$PREFIX" -f - || return 1
    fi
    n=$((n + 1))
  done
  # pkg-config files name /usr: point them into the prefix.
  find "$PREFIX" -name '*.pc' -print0 | xargs -0 -r sed -i -E \
    "s#(^|[= ]|-I|-L)/usr(/|\$)#\\1$PREFIX/usr\\2#g" || return 1
  # Absolute symlinks (libz.so -> /lib/...): re-point into the prefix where the target is there.
  local link target
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    case "$target" in
      /*) [ -e "$PREFIX$target" ] && ln -sfn "$PREFIX$target" "$link" ;;
    esac
  done < <(find "$PREFIX" -type l -print0)
  # pkg-config: the system's if there is one, else the prefix's pkgconf through a wrapper.
  if command -v pkg-config >/dev/null 2>&1 && [ "${QRSWEEP_PREFIX_PKGCONFIG:-0}" != 1 ]; then
    PKG_CONFIG_BIN=$(command -v pkg-config)
  else
    mkdir -p "$PREFIX/bin"
    cat >"$PREFIX/bin/pkg-config" <<EOF
#!/bin/sh
LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" \\
  exec "$PREFIX/usr/bin/pkgconf" "\$@"
EOF
    chmod +x "$PREFIX/bin/pkg-config"
    PKG_CONFIG_BIN=$PREFIX/bin/pkg-config
  fi
  echo "unpacked $n packages into $PREFIX; pkg-config: $PKG_CONFIG_BIN"
}

# gpu_build [TARGET...]: steps 1 (unpack) and 2 (configure, build TARGETs or everything).
gpu_build() {
  local t n_debs
  t=$(date +%s)
  printf '===== unpack\n' >>"$BUILD_LOG"
  if unpack >>"$BUILD_LOG" 2>&1; then
    n_debs=$(find "$DEPS" -maxdepth 1 -name '*.deb' | wc -l)
    record unpack ok $(( $(date +%s) - t )) "$n_debs packages -> $(basename "$PREFIX")"
    DEPS_OK=1
  else
    record unpack FAIL $(( $(date +%s) - t )) "see build.log"
    DEPS_OK=0
  fi
  PKG_CONFIG_PATH="$LIBDIR/openblas-pthread/pkgconfig:$LIBDIR/pkgconfig"
  export PKG_CONFIG_PATH="$PKG_CONFIG_PATH:$PREFIX/usr/share/pkgconfig"
  # Only the libraries the build links (OpenBLAS and its Fortran runtime, toml++, SQLite): the
  # binaries and the test discovery at build time need them; tools keep the system's.
  local run_libs="$LIBDIR/openblas-pthread:$LIBDIR"
  export LD_LIBRARY_PATH="$run_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

  # ---- 2. Configure and build -------------------------------------------------------------
  # Cache entries naming where each dependency was found.
  local origin_vars='GTest_DIR|CLI11_DIR|tomlplusplus_DIR|nlohmann_json_DIR|SQLite3_INCLUDE_DIR'
  origin_vars+='|ZLIB_INCLUDE_DIR|OPENBLAS_INCLUDE_DIRS'
  BUILD_OK=0
  [ $DEPS_OK = 1 ] || return 1
  run configure "$BUILD_LOG" "${QRSWEEP_CONFIGURE_TIMEOUT_S:-120}" \
    "Release, sm_$ARCH, deps from the prefix" \
    env LD_LIBRARY_PATH= cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DQRSWEEP_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$ARCH" -DCMAKE_PREFIX_PATH="$PREFIX/usr" \
    -DPKG_CONFIG_EXECUTABLE="$PKG_CONFIG_BIN" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 || return 1
  # Where each dependency was found: everything should come from the prefix.
  {
    echo "===== dependency origins"
    grep -E "^($origin_vars|SQLite3_LIBRARY|ZLIB_LIBRARY_RELEASE|OPENBLAS_LINK_LIBRARIES)[:=]" \
      "$BUILD/CMakeCache.txt"
  } >>"$BUILD_LOG"
  local outside
  outside=$(grep -E "^($origin_vars)[:=]" "$BUILD/CMakeCache.txt" | grep -vc "$PREFIX")
  if [ "$outside" -gt 0 ]; then
    echo "$STEP_TAG: note: $outside dependencies were found outside the prefix (see build.log)"
  fi
  local targets=() note="$JOBS jobs"
  if [ $# -gt 0 ]; then
    targets=(--target "$@")
    note="$note, target $*"
  fi
  run build "$BUILD_LOG" "${QRSWEEP_BUILD_TIMEOUT_S:-400}" "$note" \
    cmake --build "$BUILD" -j "$JOBS" "${targets[@]}" && BUILD_OK=1
}
