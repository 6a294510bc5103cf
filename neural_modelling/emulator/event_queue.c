/* The engine's event queue: a binary min-heap on (time, sequence), so
 * events at the same simulated time run in the order they were scheduled. */
#include <stdlib.h>
#include "engine_internal.h"

static inline int earlier(const event_t *a, const event_t *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

int event_queue_push(event_queue_t *q, const event_t *ev)
{
    if (q->n == q->cap) {
        uint32_t cap = q->cap ? q->cap * 2 : 1024;
        event_t *items = realloc(q->items, sizeof(event_t) * cap);
        if (items == NULL) {
            return -1;
        }
        q->items = items;
        q->cap = cap;
    }
    uint32_t i = q->n++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!earlier(ev, &q->items[parent])) {
            break;
        }
        q->items[i] = q->items[parent];
        i = parent;
    }
    q->items[i] = *ev;
    return 0;
}

void event_queue_pop(event_queue_t *q, event_t *out)
{
    *out = q->items[0];
    event_t last = q->items[--q->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= q->n) {
            break;
        }
        if (child + 1 < q->n && earlier(&q->items[child + 1], &q->items[child])) {
            child++;
        }
        if (!earlier(&q->items[child], &last)) {
            break;
        }
        q->items[i] = q->items[child];
        i = child;
    }
    if (q->n > 0) {
        q->items[i] = last;
    }
}
