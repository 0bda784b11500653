/* tools/sanitizers/asan_fork.c: fork safety for the AddressSanitizer runtime of GCC 12
 * (libasan.so.8), for tools/sanitize.sh only; never part of fastpulsar.
 *
 * Why: that runtime takes no lock around fork(). A thread of the parent that is inside
 * the sanitizer's allocator (refilling its cache: a mutex per size class), its stack depot
 * or its thread registry when another thread forks leaves that lock held for good in the
 * child, and the child's first allocation from the same size class blocks forever. The
 * fork tests fork while threads send and receive, so their children hung now and then in
 * `operator new` (gdb: SizeClassAllocator64::GetFromAllocator, Mutex::Lock). Plain builds
 * are not affected: glibc's malloc locks its arenas around fork. LLVM fixed it in its
 * runtime in December 2023 (llvm/llvm-project pull request 75290, `InstallAtForkHandler`:
 * lock the thread registry, the allocator and the stack depot before fork, unlock them
 * after, in the parent and the child); GCC 12's copy predates it.
 *
 * What: the same handlers, registered with pthread_atfork when this library is loaded
 * (tools/sanitize.sh puts it right after libasan in the patched interpreter's DT_NEEDED,
 * so it loads before anything else registers handlers: its prepare handler runs last and
 * its child handler first). The runtime's lock functions are not exported; they are in
 * libasan's symbol table (.symtab), read from its file. If the runtime has
 * `__asan::InstallAtForkHandler` (it does the same itself) nothing is installed.
 *
 * fastpulsar_asan_fork_status() says what happened: "installed", "runtime" (the runtime
 * has its own handler) or the reason it could not install (tools/sanitize.sh fails then).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef void (*lock_fn)(void);

enum { LOCK_THREADS, UNLOCK_THREADS, LOCK_ALLOCATOR, UNLOCK_ALLOCATOR, LOCK_DEPOT, UNLOCK_DEPOT,
       OWN_HANDLER, N_SYMBOLS };

static const char* const kNames[N_SYMBOLS] = {
    "_ZN6__lsan18LockThreadRegistryEv",    "_ZN6__lsan20UnlockThreadRegistryEv",
    "_ZN6__asan18asan_mz_force_lockEv",    "_ZN6__asan20asan_mz_force_unlockEv",
    "_ZN11__sanitizer17StackDepotLockAllEv", "_ZN11__sanitizer19StackDepotUnlockAllEv",
    "_ZN6__asan20InstallAtForkHandlerEv",
};

static lock_fn g_fn[N_SYMBOLS];
static char g_status[256] = "not loaded";

const char* fastpulsar_asan_fork_status(void) { return g_status; }

static void before_fork(void) {
    g_fn[LOCK_THREADS]();
    g_fn[LOCK_ALLOCATOR]();
    g_fn[LOCK_DEPOT]();
}

static void after_fork(void) {
    g_fn[UNLOCK_DEPOT]();
    g_fn[UNLOCK_ALLOCATOR]();
    g_fn[UNLOCK_THREADS]();
}

struct runtime {
    const char* path;
    ElfW(Addr) base;
};

static int find_runtime(struct dl_phdr_info* info, size_t size, void* data) {
    (void)size;
    struct runtime* found = data;
    const char* slash = strrchr(info->dlpi_name, '/');
    const char* name = slash ? slash + 1 : info->dlpi_name;
    if (strncmp(name, "libasan.so", 10) == 0) {
        found->path = info->dlpi_name;
        found->base = info->dlpi_addr;
        return 1;
    }
    return 0;
}

/* Fills g_fn from the .symtab of the file at `path` loaded at `base`; 0 or -1 (g_status
 * says why). */
static int read_symbols(const char* path, ElfW(Addr) base) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(g_status, sizeof g_status, "cannot open %s", path);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(ElfW(Ehdr))) {
        close(fd);
        snprintf(g_status, sizeof g_status, "cannot read %s", path);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    const unsigned char* file = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (file == MAP_FAILED) {
        snprintf(g_status, sizeof g_status, "cannot map %s", path);
        return -1;
    }
    const ElfW(Ehdr)* eh = (const void*)file;
    int result = -1;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_shoff == 0 ||
        eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size) {
        snprintf(g_status, sizeof g_status, "%s: no section headers", path);
        goto done;
    }
    const ElfW(Shdr)* sections = (const void*)(file + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; ++i) {
        if (sections[i].sh_type != SHT_SYMTAB || sections[i].sh_link >= eh->e_shnum) {
            continue;
        }
        const ElfW(Shdr)* strtab = &sections[sections[i].sh_link];
        if (sections[i].sh_offset + sections[i].sh_size > size ||
            strtab->sh_offset + strtab->sh_size > size) {
            snprintf(g_status, sizeof g_status, "%s: its symbol table is truncated", path);
            goto done;
        }
        const ElfW(Sym)* symbols = (const void*)(file + sections[i].sh_offset);
        size_t count = sections[i].sh_size / sizeof(ElfW(Sym));
        const char* names = (const char*)(file + strtab->sh_offset);
        for (size_t s = 0; s < count; ++s) {
            if (ELF64_ST_TYPE(symbols[s].st_info) != STT_FUNC || symbols[s].st_value == 0 ||
                symbols[s].st_name >= strtab->sh_size) {
                continue;
            }
            const char* name = names + symbols[s].st_name;
            for (int k = 0; k < N_SYMBOLS; ++k) {
                if (strcmp(name, kNames[k]) == 0) {
                    g_fn[k] = (lock_fn)(base + symbols[s].st_value);
                }
            }
        }
        result = 0;
        break;
    }
    if (result != 0) {
        snprintf(g_status, sizeof g_status, "%s has no symbol table (.symtab)", path);
    }
done:
    munmap((void*)file, size);
    return result;
}

__attribute__((constructor)) static void install(void) {
    struct runtime runtime = {NULL, 0};
    if (!dl_iterate_phdr(find_runtime, &runtime)) {
        snprintf(g_status, sizeof g_status, "libasan is not loaded");
        return;
    }
    if (read_symbols(runtime.path, runtime.base) != 0) {
        return;
    }
    if (g_fn[OWN_HANDLER] != NULL) {
        snprintf(g_status, sizeof g_status, "runtime");
        return;
    }
    for (int k = 0; k < OWN_HANDLER; ++k) {
        if (g_fn[k] == NULL) {
            snprintf(g_status, sizeof g_status, "%s: %s not found", runtime.path, kNames[k]);
            return;
        }
    }
    if (pthread_atfork(before_fork, after_fork, after_fork) != 0) {
        snprintf(g_status, sizeof g_status, "pthread_atfork failed");
        return;
    }
    snprintf(g_status, sizeof g_status, "installed");
}
