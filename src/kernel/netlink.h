/* netlink.h - rtnetlink for the attach paths that predate bpf links:
 * clsact qdisc + tc bpf filters, and XDP through IFLA_XDP. Engine layer. */
#ifndef OXLUA_NETLINK_H
#define OXLUA_NETLINK_H

#include <stdint.h>
#include "common.h"

/* Add the clsact qdisc to ifindex. *created = 1 if we created it (so only we
 * remove it later), 0 if it already existed (EEXIST is not an error). */
int ox_nl_clsact_add(int ifindex, int *created, struct ox_err *err);
int ox_nl_clsact_del(int ifindex, struct ox_err *err);

/* Attach a direct-action bpf filter (prog_fd, name) on ingress (egress = 0)
 * or egress of ifindex's clsact, with the given priority and handle (0: let
 * the kernel pick; the chosen ones are returned). */
int ox_nl_tc_attach(int ifindex, int egress, int prog_fd, const char *name,
		    uint32_t *prio, uint32_t *handle, struct ox_err *err);
int ox_nl_tc_detach(int ifindex, int egress, uint32_t prio, uint32_t handle,
		    struct ox_err *err);

/* XDP via IFLA_XDP: flags are XDP_FLAGS_* (SKB_MODE, DRV_MODE, HW_MODE,
 * UPDATE_IF_NOEXIST). prog_fd -1 detaches. expected_fd (>= 0 with
 * XDP_FLAGS_REPLACE) replaces only that program. */
int ox_nl_xdp_set(int ifindex, int prog_fd, uint32_t flags, struct ox_err *err);
/* ox_nl_xdp_set with XDP_FLAGS_REPLACE: succeeds only while expected_fd's
 * program (-1: no program) is the one attached in that mode. */
int ox_nl_xdp_replace(int ifindex, int prog_fd, int expected_fd, uint32_t flags,
		      struct ox_err *err);
/* The id of the XDP program attached to ifindex (0 if none) and its mode. */
int ox_nl_xdp_query(int ifindex, uint32_t *prog_id, uint32_t *mode, struct ox_err *err);

#endif
