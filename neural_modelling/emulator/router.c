/*
 * Multicast routing as the SpiNNaker router does it, worked out once per
 * (sending chip, key) into a multicast tree and cached: the hot path does a
 * hash lookup, never a table scan.
 *
 * At each chip the first entry (in table order) with (key & mask) == entry
 * key sends the packet to the entry's cores and links. A packet matching no
 * entry is default routed: out of the link opposite the one it came in on;
 * it is dropped if it came from a core of this chip or that link does not
 * exist. A route to a link that does not exist, or to a core nobody placed,
 * also drops the packet there. Delays are counted in router hops; the
 * engine turns them into time. Deliveries keep breadth-first order.
 */
#include <stdlib.h>
#include <string.h>
#include "engine_internal.h"

#define MAX_HOPS 64                /* older packets are dropped (age)     */
#define MAX_TREE_STATES (1 << 16)  /* bound on routing loops              */

typedef struct {
    uint32_t chip, in_link, hops;
} route_state_t;

typedef struct {
    uint32_t hops, core;
} delivery_t;

/* A growable array of fixed-size items. */
typedef struct {
    void *items;
    uint32_t n, cap, item_size;
} vec_t;

static inline int vec_push(vec_t *v, const void *item)
{
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 16;
        void *items = realloc(v->items, (size_t) cap * v->item_size);
        if (items == NULL) {
            return -1;
        }
        v->items = items;
        v->cap = cap;
    }
    char *slot = (char *) v->items + (size_t) v->n * v->item_size;
    if (v->item_size == 8) {    /* most items: let the copy be inlined */
        memcpy(slot, item, 8);
    } else {
        memcpy(slot, item, v->item_size);
    }
    v->n++;
    return 0;
}

static uint32_t hash_chip_key(uint32_t chip, uint32_t key)
{
    uint32_t h = key * 0x9E3779B1u ^ (chip + 0x7F4A7C15u) * 0x85EBCA6Bu;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 13;
    return h;
}

int router_init(struct emu_engine *emu)
{
    emu->trees.n_buckets = 1024;
    emu->trees.buckets = calloc(emu->trees.n_buckets, sizeof(void *));
    return emu->trees.buckets ? 0 : -1;
}

static void free_tree(multicast_tree_t *tree)
{
    free(tree->groups);
    free(tree->cores);
    free(tree->contributions);
    free(tree->drops);
    free(tree);
}

void router_free(struct emu_engine *emu)
{
    for (uint32_t b = 0; b < emu->trees.n_buckets; b++) {
        multicast_tree_t *tree = emu->trees.buckets[b];
        while (tree != NULL) {
            multicast_tree_t *next = tree->next;
            free_tree(tree);
            tree = next;
        }
    }
    free(emu->trees.buckets);
    emu->trees.buckets = NULL;
}

static const route_entry_t *match(const chip_t *chip, uint32_t key)
{
    for (uint32_t i = 0; i < chip->n_routes; i++) {
        const route_entry_t *entry = &chip->routes[i];
        if ((key & entry->mask) == entry->key) {
            return entry;
        }
    }
    return NULL;
}

typedef struct {
    vec_t queue, deliveries, contributions, drops;
} tree_builder_t;

static int contribute(tree_builder_t *b, uint32_t chip, uint32_t what)
{
    contribution_t c = {chip, what};
    return vec_push(&b->contributions, &c);
}

static int drop_at(tree_builder_t *b, uint32_t chip, uint32_t hops)
{
    tree_drop_t d = {chip, hops};
    if (contribute(b, chip, CONTRIB_DROPPED)) {
        return -1;
    }
    return vec_push(&b->drops, &d);
}

/* Sends the packet out of link `link` of chip `from`, or drops it. */
static int forward(const struct emu_engine *emu, tree_builder_t *b,
                   uint32_t from, uint32_t link, uint32_t hops)
{
    int32_t to = emu->chips[from].link_to[link];
    if (to < 0) {
        return drop_at(b, from, hops);
    }
    if (contribute(b, from, CONTRIB_LINK0 + link)) {
        return -1;
    }
    route_state_t next = {(uint32_t) to, (link + 3) % N_LINKS, hops + 1};
    return vec_push(&b->queue, &next);
}

static int route_one_chip(const struct emu_engine *emu, tree_builder_t *b,
                          route_state_t s, uint32_t key)
{
    const chip_t *chip = &emu->chips[s.chip];
    if (contribute(b, s.chip, CONTRIB_ROUTED)) {
        return -1;
    }
    if (s.hops > MAX_HOPS) {
        return drop_at(b, s.chip, s.hops);
    }
    const route_entry_t *entry = match(chip, key);
    if (entry == NULL) {
        if (contribute(b, s.chip, CONTRIB_DEFAULT)) {
            return -1;
        }
        if (s.in_link == LINK_LOCAL) {
            return drop_at(b, s.chip, s.hops);
        }
        return forward(emu, b, s.chip, (s.in_link + 3) % N_LINKS, s.hops);
    }
    for (uint32_t p = 0; p < CORES_PER_CHIP; p++) {
        if (!(entry->processor_mask & (1u << p))) {
            continue;
        }
        int32_t core = chip->core_at[p];
        if (core < 0) {
            if (drop_at(b, s.chip, s.hops)) {
                return -1;
            }
            continue;
        }
        delivery_t d = {s.hops, (uint32_t) core};
        if (vec_push(&b->deliveries, &d)) {
            return -1;
        }
    }
    for (uint32_t link = 0; link < N_LINKS; link++) {
        if ((entry->link_mask & (1u << link))
                && forward(emu, b, s.chip, link, s.hops)) {
            return -1;
        }
    }
    return 0;
}

static multicast_tree_t *build_tree(const struct emu_engine *emu,
                                    uint32_t chip, uint32_t key)
{
    tree_builder_t b = {
        {NULL, 0, 0, sizeof(route_state_t)}, {NULL, 0, 0, sizeof(delivery_t)},
        {NULL, 0, 0, sizeof(contribution_t)}, {NULL, 0, 0, sizeof(tree_drop_t)}};
    multicast_tree_t *tree = calloc(1, sizeof(*tree));
    int failed = tree == NULL;
    route_state_t start = {chip, LINK_LOCAL, 0};
    failed = failed || vec_push(&b.queue, &start);
    /* breadth first, so the tree is the same whatever the hash order */
    for (uint32_t i = 0; !failed && i < b.queue.n; i++) {
        route_state_t s = ((route_state_t *) b.queue.items)[i];
        if (i >= MAX_TREE_STATES) {
            failed = drop_at(&b, s.chip, s.hops);
            continue;
        }
        failed = route_one_chip(emu, &b, s, key);
    }
    if (!failed) {
        /* breadth first search pushes states in non-decreasing hop order,
         * so deliveries already come grouped by delay */
        delivery_t *d = b.deliveries.items;
        tree->chip = chip;
        tree->key = key;
        tree->cores = malloc(sizeof(uint32_t) * (b.deliveries.n + 1));
        tree->groups = malloc(sizeof(delivery_group_t) * (b.deliveries.n + 1));
        failed = tree->cores == NULL || tree->groups == NULL;
        for (uint32_t i = 0; !failed && i < b.deliveries.n; i++) {
            tree->cores[i] = d[i].core;
            if (i == 0 || d[i].hops != d[i - 1].hops) {
                delivery_group_t *g = &tree->groups[tree->n_groups++];
                g->delay_ns = d[i].hops;    /* in hops until engine.c scales */
                g->first = i;
                g->count = 0;
            }
            tree->groups[tree->n_groups - 1].count++;
        }
        if (!failed && tree->n_groups > 0) {
            delivery_group_t *groups = realloc(
                    tree->groups, sizeof(delivery_group_t) * tree->n_groups);
            tree->groups = groups ? groups : tree->groups;
        }
        tree->contributions = b.contributions.items;
        tree->n_contributions = b.contributions.n;
        tree->drops = b.drops.items;
        tree->n_drops = b.drops.n;
        b.contributions.items = NULL;
        b.drops.items = NULL;
    }
    free(b.queue.items);
    free(b.deliveries.items);
    free(b.contributions.items);
    free(b.drops.items);
    if (failed && tree != NULL) {
        free_tree(tree);
        tree = NULL;
    }
    return tree;
}

static void grow_cache(tree_cache_t *cache)
{
    uint32_t n = cache->n_buckets * 4;
    multicast_tree_t **buckets = calloc(n, sizeof(void *));
    if (buckets == NULL) {
        return;    /* keep the longer chains */
    }
    for (uint32_t b = 0; b < cache->n_buckets; b++) {
        multicast_tree_t *tree = cache->buckets[b];
        while (tree != NULL) {
            multicast_tree_t *next = tree->next;
            uint32_t h = hash_chip_key(tree->chip, tree->key) & (n - 1);
            tree->next = buckets[h];
            buckets[h] = tree;
            tree = next;
        }
    }
    free(cache->buckets);
    cache->buckets = buckets;
    cache->n_buckets = n;
}

multicast_tree_t *router_tree(struct emu_engine *emu, uint32_t chip,
                              uint32_t key)
{
    tree_cache_t *cache = &emu->trees;
    uint32_t h = hash_chip_key(chip, key);
    multicast_tree_t **bucket = &cache->buckets[h & (cache->n_buckets - 1)];
    for (multicast_tree_t *tree = *bucket; tree != NULL; tree = tree->next) {
        if (tree->key == key && tree->chip == chip) {
            return tree;
        }
    }
    multicast_tree_t *tree = build_tree(emu, chip, key);
    if (tree == NULL) {
        return NULL;
    }
    emu->tables_frozen = 1;
    tree->next = *bucket;
    *bucket = tree;
    if (++cache->n_trees > cache->n_buckets) {
        grow_cache(cache);
    }
    return tree;
}

/* Chip counters are kept per tree (uses x what one packet adds) and summed
 * only when asked for, so routing a packet costs no counter updates. */
void router_count_chip(const struct emu_engine *emu, uint32_t chip,
                       emu_chip_counters_t *out)
{
    memset(out, 0, sizeof(*out));
    out->dropped = emu->chips[chip].core_drops;    /* at a busy core */
    for (uint32_t b = 0; b < emu->trees.n_buckets; b++) {
        for (const multicast_tree_t *tree = emu->trees.buckets[b];
                tree != NULL; tree = tree->next) {
            if (tree->uses == 0) {
                continue;
            }
            for (uint32_t i = 0; i < tree->n_contributions; i++) {
                const contribution_t *c = &tree->contributions[i];
                if (c->chip != chip) {
                    continue;
                }
                if (c->what == CONTRIB_ROUTED) {
                    out->routed += tree->uses;
                } else if (c->what == CONTRIB_DEFAULT) {
                    out->default_routed += tree->uses;
                } else if (c->what == CONTRIB_DROPPED) {
                    out->dropped += tree->uses;
                } else {
                    out->link_sent[c->what - CONTRIB_LINK0] += tree->uses;
                }
            }
        }
    }
}

void record_drop_full(struct emu_engine *emu, uint32_t key, uint32_t chip,
                      uint64_t time_ns, uint32_t reason, uint32_t reinjected,
                      int32_t sender)
{
    if (emu->n_drops < MAX_DROP_RECORDS) {
        emu_drop_t *d = &emu->drops[emu->n_drops];
        d->key = key;
        d->x = chip / emu->height;
        d->y = chip % emu->height;
        d->reason = reason;
        d->reinjected = reinjected;
        d->sender = sender;
        d->time_ns = time_ns;
    }
    emu->n_drops++;
    if (reinjected) {
        emu->fault_counters.reinjected++;
    }
}

void record_drop(struct emu_engine *emu, uint32_t key, uint32_t chip,
                 uint64_t time_ns)
{
    record_drop_full(emu, key, chip, time_ns, EMU_DROP_ROUTER, 0, -1);
}
