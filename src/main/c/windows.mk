# The Windows build of the shim: panamaaudio.dll cross-compiled with mingw-w64, and
# the Wine test harness. Included by the Makefile; `make` (so `mvn package`) builds
# the DLL into $(OUT)/windows-x86_64/ next to the Linux library.
#   make windows           -> $(OUT)/windows-x86_64/panamaaudio.dll
#   make wine-test-build   -> $(BUILD)/mingw/wine_test.exe (the harness, run by scripts/wine-test)
#   make WINDOWS=0         -> skips the DLL (a machine without the cross compiler)
#
# The DLL: common.c, backends.c and tone.c as on Linux plus wasapi.c; warnings as errors; libgcc and
# winpthreads (common.c's pthread_once and _Thread_local, tone.c's mutex and condition
# variable) linked statically, so it imports only Windows system DLLs (scripts/wine-test
# checks that with objdump -p). Exports: exactly the PAC_API functions of pac_shim.h,
# through a .def file made from the header. Stripped and without a PE timestamp, so
# two builds are byte-identical and carry no build paths.
MINGW_CC  ?= x86_64-w64-mingw32-gcc
WINDOWS   ?= 1
WIN_DIR   := $(BUILD)/mingw
WIN_DLL   := $(OUT)/windows-x86_64/panamaaudio.dll
WIN_SRCS  := src/common.c src/backends.c src/tone.c src/wasapi.c
WIN_OBJS  := $(WIN_SRCS:src/%.c=$(WIN_DIR)/%.o)
WIN_HDRS  := include/pac_shim.h src/internal.h src/win_compat.h
# Once pac_shim.h declares its exports with __declspec(dllexport) (ABI 3), the shim's own
# files must say they are building it; ABI 2's header has only the ELF visibility
# attribute, which mingw would warn about.
WIN_EXPORT_DEF := $(shell grep -q dllexport include/pac_shim.h && echo -DPAC_BUILDING_SHIM)
WIN_CFLAGS := -O2 -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral \
              -D_GNU_SOURCE -D__USE_MINGW_ANSI_STDIO=1 -D_WIN32_WINNT=0x0A00 $(WIN_EXPORT_DEF) -Iinclude -include src/win_compat.h
WIN_STATIC := -static-libgcc -Wl,-Bstatic -lwinpthread -Wl,-Bdynamic
WIN_LIBS   := -lole32 -luuid

ifeq ($(WINDOWS),1)
all: $(WIN_DLL)
endif

windows: $(WIN_DLL)

$(WIN_DIR)/%.o: src/%.c $(WIN_HDRS)
	@mkdir -p $(WIN_DIR)
	$(MINGW_CC) $(WIN_CFLAGS) -c $< -o $@

# The exports: every `PAC_API <type> pac_name(` of the header (the pulse backend's
# functions exist only on Linux).
$(WIN_DIR)/panamaaudio.def: include/pac_shim.h
	@mkdir -p $(WIN_DIR)
	{ echo "LIBRARY panamaaudio.dll"; echo "EXPORTS"; \
	  sed -n 's/^PAC_API[^(]*[ *]\(pac_[a-z0-9_]*\)(.*/    \1/p' $< | grep -v '^    pac_pulse_'; } > $@

$(WIN_DLL): $(WIN_OBJS) $(WIN_DIR)/panamaaudio.def
	@mkdir -p $(dir $@)
	$(MINGW_CC) -shared -s -Wl,--no-insert-timestamp -o $@ $(WIN_DIR)/panamaaudio.def $(WIN_OBJS) \
	  $(WIN_STATIC) $(WIN_LIBS)

$(WIN_DIR)/wine_test.exe: test/wine_test.c $(WIN_OBJS) $(WIN_HDRS)
	$(MINGW_CC) $(WIN_CFLAGS) -Isrc -o $@ $< $(WIN_OBJS) $(WIN_STATIC) $(WIN_LIBS) -lm

wine-test-build: $(WIN_DLL) $(WIN_DIR)/wine_test.exe

.PHONY: windows wine-test-build
