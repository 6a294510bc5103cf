/*
 * Building the emulated machine: chips, links, routing tables, cores (with
 * a private copy of each program loaded and attached) and their regions.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "engine_internal.h"

emu_engine_t *emu_create(uint32_t width, uint32_t height)
{
    if (width == 0 || height == 0 || width > 256 || height > 256) {
        return NULL;
    }
    emu_engine_t *emu = calloc(1, sizeof(*emu));
    if (emu == NULL) {
        return NULL;
    }
    emu->width = width;
    emu->height = height;
    emu->chips = calloc((size_t) width * height, sizeof(chip_t));
    if (emu->chips == NULL || router_init(emu)) {
        free(emu->chips);
        free(emu);
        return NULL;
    }
    for (uint32_t i = 0; i < width * height; i++) {
        memset(emu->chips[i].link_to, 0xff, sizeof(emu->chips[i].link_to));
        memset(emu->chips[i].core_at, 0xff, sizeof(emu->chips[i].core_at));
    }
    emu->host_ops = engine_host_ops_template;
    emu->host_ops.log_level = &emu->log_level;
    emu->error_core = -1;
    emu->active_core = -1;
    emu->run_infinite = 1;
    emu->log_level = DEFAULT_LOG_LEVEL;
    emu->callback_limit_s = DEFAULT_CALLBACK_LIMIT_S;
    emu->rng_state = 1;
    return emu;
}

void emu_destroy(emu_engine_t *emu)
{
    if (emu == NULL) {
        return;
    }
    for (uint32_t i = 0; i < emu->n_cores; i++) {
        emu_core_t *core = emu->cores[i];
        if (core->release != NULL) {
            core->release();
        }
        if (core->dl != NULL) {
            dlclose(core->dl);
        }
        for (uint32_t r = 0; r < EMU_DS_N_REGIONS; r++) {
            free(core->ds_table.regions[r].pointer);
        }
        free(core->irq_fifo);
        free(core->pauses);
        free(core->sink.keys);
        free(core->sink.payloads);
        free(core->sink.times);
        free(core);
    }
    while (emu->sources != NULL) {
        source_batch_t *batch = emu->sources;
        emu->sources = batch->next;
        free(batch->keys);
        free(batch->payloads);
        free(batch);
    }
    for (uint32_t i = 0; i < emu->width * emu->height; i++) {
        free(emu->chips[i].routes);
    }
    if (emu->tmpdir[0]) {
        rmdir(emu->tmpdir);
    }
    router_free(emu);
    free(emu->events.items);
    free(emu->cores);
    free(emu->chips);
    free(emu);
}

static chip_t *chip_at(emu_engine_t *emu, uint32_t x, uint32_t y)
{
    if (x >= emu->width || y >= emu->height) {
        return NULL;
    }
    chip_t *chip = &emu->chips[x * emu->height + y];
    return chip->exists ? chip : NULL;
}

int usage_error(emu_engine_t *emu, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(emu->error, sizeof(emu->error), format, args);
    va_end(args);
    return -1;
}

int emu_add_chip(emu_engine_t *emu, uint32_t x, uint32_t y)
{
    if (x >= emu->width || y >= emu->height) {
        return usage_error(emu, "chip (%u, %u) is outside %u x %u", x, y,
                           emu->width, emu->height);
    }
    emu->chips[x * emu->height + y].exists = 1;
    return 0;
}

int emu_add_link(emu_engine_t *emu, uint32_t x, uint32_t y, uint32_t link,
                 uint32_t to_x, uint32_t to_y)
{
    chip_t *chip = chip_at(emu, x, y);
    if (chip == NULL || chip_at(emu, to_x, to_y) == NULL || link >= N_LINKS) {
        return usage_error(emu, "bad link %u from (%u, %u) to (%u, %u)", link,
                           x, y, to_x, to_y);
    }
    if (emu->tables_frozen) {
        return usage_error(emu, "links cannot change once packets flow");
    }
    chip->link_to[link] = (int32_t) (to_x * emu->height + to_y);
    return 0;
}

int emu_add_route(emu_engine_t *emu, uint32_t x, uint32_t y, uint32_t key,
                  uint32_t mask, uint32_t processor_mask, uint32_t link_mask)
{
    chip_t *chip = chip_at(emu, x, y);
    if (chip == NULL) {
        return usage_error(emu, "route on missing chip (%u, %u)", x, y);
    }
    if (emu->tables_frozen) {
        return usage_error(emu, "routes cannot change once packets flow");
    }
    if (chip->n_routes == chip->cap_routes) {
        uint32_t cap = chip->cap_routes ? chip->cap_routes * 2 : 16;
        route_entry_t *routes = realloc(chip->routes, sizeof(*routes) * cap);
        if (routes == NULL) {
            return usage_error(emu, "out of memory for routes");
        }
        chip->routes = routes;
        chip->cap_routes = cap;
    }
    chip->routes[chip->n_routes++] =
        (route_entry_t) {key, mask, processor_mask, link_mask};
    return 0;
}

/* dlopen keys on the file, so each core needs its own copy of the program
 * to get its own globals. The copy is unlinked once loaded. */
static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return -1;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[1 << 16];
    ssize_t n;
    int status = 0;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t) (n - done));
            if (w < 0) {
                status = -1;
                break;
            }
            done += w;
        }
    }
    if (n < 0) {
        status = -1;
    }
    close(in);
    if (close(out)) {
        status = -1;
    }
    return status;
}

static void program_name(const char *so_path, char *out, size_t size)
{
    const char *base = strrchr(so_path, '/');
    base = base ? base + 1 : so_path;
    snprintf(out, size, "%s", base);
    char *dot = strrchr(out, '.');
    if (dot != NULL && dot != out) {
        *dot = '\0';
    }
}

static int load_program(emu_engine_t *emu, emu_core_t *core,
                        const char *so_path)
{
    if (!emu->tmpdir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(emu->tmpdir, sizeof(emu->tmpdir), "%s/spinndl-emu-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(emu->tmpdir) == NULL) {
            emu->tmpdir[0] = '\0';
            return usage_error(emu, "cannot make a folder for program copies: "
                               "%s", strerror(errno));
        }
    }
    char copy[512];
    snprintf(copy, sizeof(copy), "%s/core%u-%s.so", emu->tmpdir, core->index,
             core->program);
    if (copy_file(so_path, copy)) {
        unlink(copy);
        return usage_error(emu, "cannot copy program %s: %s", so_path,
                           strerror(errno));
    }
    core->dl = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
    unlink(copy);
    if (core->dl == NULL) {
        return usage_error(emu, "cannot load program %s: %s", so_path,
                           dlerror());
    }
    emu_host_attach_fn attach =
        (emu_host_attach_fn) dlsym(core->dl, EMU_HOST_ATTACH_SYMBOL);
    core->c_main = (void (*)(void)) dlsym(core->dl, "c_main");
    core->set_runtime = (emu_host_set_runtime_fn)
        dlsym(core->dl, EMU_HOST_SET_RUNTIME_SYMBOL);
    core->release = (emu_host_release_fn) dlsym(core->dl,
                                                 EMU_HOST_RELEASE_SYMBOL);
    core->work = (const work_counters_t *) dlsym(core->dl,
                                                 WORK_COUNTERS_SYMBOL);
    if (core->work != NULL && core->work->n_kinds != N_WORK_KINDS) {
        return usage_error(emu, "%s counts %u kinds of work, the engine %u: "
                           "built against another src/common/work.h "
                           "(make host)", so_path, core->work->n_kinds,
                           (unsigned) N_WORK_KINDS);
    }
    if (attach == NULL || core->c_main == NULL) {
        return usage_error(emu, "%s is not a spinndl host program (no %s)",
                           so_path, attach ? "c_main" : EMU_HOST_ATTACH_SYMBOL);
    }
    if (attach(&emu->host_ops, core, core->x, core->y, core->p, &core->ds_table,
               core->program)) {
        return usage_error(emu, "%s was built against another engine version",
                           so_path);
    }
    return 0;
}

int emu_add_core(emu_engine_t *emu, uint32_t x, uint32_t y, uint32_t p,
                 enum emu_core_kind kind, const char *so_path)
{
    chip_t *chip = chip_at(emu, x, y);
    if (chip == NULL || p >= CORES_PER_CHIP || chip->core_at[p] >= 0) {
        return usage_error(emu, "cannot place a core at (%u, %u, %u)", x, y, p);
    }
    if (emu->started) {
        return usage_error(emu, "cores cannot be added after emu_start");
    }
    if (kind == EMU_CORE_PROGRAM && so_path == NULL) {
        return usage_error(emu, "a program core needs its shared object");
    }
    if (emu->n_cores == emu->cap_cores) {
        uint32_t cap = emu->cap_cores ? emu->cap_cores * 2 : 64;
        emu_core_t **cores = realloc(emu->cores, sizeof(void *) * cap);
        if (cores == NULL) {
            return usage_error(emu, "out of memory for cores");
        }
        emu->cores = cores;
        emu->cap_cores = cap;
    }
    emu_core_t *core = calloc(1, sizeof(*core));
    if (core == NULL) {
        return usage_error(emu, "out of memory for cores");
    }
    core->emu = emu;
    core->index = emu->n_cores;
    core->x = x;
    core->y = y;
    core->p = p;
    core->chip = x * emu->height + y;
    core->kind = kind;
    core->ds_table.magic_number = EMU_DS_MAGIC_NUMBER;
    core->ds_table.version = EMU_DS_VERSION;
    if (kind == EMU_CORE_PROGRAM) {
        program_name(so_path, core->program, sizeof(core->program));
        if (load_program(emu, core, so_path)) {
            if (core->dl != NULL) {
                dlclose(core->dl);
            }
            free(core);
            return -1;
        }
        emu->n_program_cores++;
    } else {
        snprintf(core->program, sizeof(core->program), "%s",
                 kind == EMU_CORE_SOURCE ? "(source)" : "(sink)");
    }
    emu->cores[emu->n_cores++] = core;
    chip->core_at[p] = (int32_t) core->index;
    return (int) core->index;
}

int emu_add_region(emu_engine_t *emu, int core_index, uint32_t region,
                   uint32_t address, const void *data, uint32_t size)
{
    (void) address;    /* programs see host pointers, not board addresses */
    emu_core_t *core = core_of(emu, core_index);
    if (core == NULL || core->kind != EMU_CORE_PROGRAM
            || region >= EMU_DS_N_REGIONS) {
        return usage_error(emu, "bad region %u for core %d", region,
                           core_index);
    }
    /* whole words, zero padded, so word reads past an odd size stay inside */
    size_t bytes = ((size_t) size + 7) & ~(size_t) 7;
    void *copy = calloc(1, bytes ? bytes : 8);
    if (copy == NULL) {
        return usage_error(emu, "out of memory for region %u", region);
    }
    if (size) {
        memcpy(copy, data, size);
    }
    free(core->ds_table.regions[region].pointer);
    core->ds_table.regions[region].pointer = copy;
    core->ds_table.regions[region].checksum = 0;
    core->ds_table.regions[region].n_words = 0;
    core->region_size[region] = size;
    return 0;
}
