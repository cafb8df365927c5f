/* lsock.c - the few socket operations a policy needs to use socket filters
 * and to put frames on an interface: core.socketpair, core.send, core.recv,
 * core.close, core.packet_send. Descriptors are plain integers. */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "binding/lcore.h"
#include "binding/lopen.h"

/* core.socketpair(["dgram"|"stream"]) -> fd1, fd2 */
static int l_socketpair(lua_State *L)
{
	static const char *const types[] = { "dgram", "stream", NULL };
	int t = luaL_checkoption(L, 1, "dgram", types), sv[2];
	if (socketpair(AF_UNIX, (t ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0, sv))
		return oxl_errno(L, errno, "socketpair");
	lua_pushinteger(L, sv[0]);
	lua_pushinteger(L, sv[1]);
	return 2;
}

/* core.send(fd, bytes) -> bytes sent */
static int l_send(lua_State *L)
{
	size_t len;
	int fd = (int)luaL_checkinteger(L, 1);
	const char *data = luaL_checklstring(L, 2, &len);
	ssize_t n = send(fd, data, len, MSG_DONTWAIT);
	if (n < 0)
		return oxl_errno(L, errno, "send");
	lua_pushinteger(L, n);
	return 1;
}

/* core.recv(fd[, max]) -> bytes | nil, "EAGAIN ..." when nothing is waiting */
static int l_recv(lua_State *L)
{
	int fd = (int)luaL_checkinteger(L, 1);
	lua_Integer max = luaL_optinteger(L, 2, 65536);
	luaL_Buffer b;
	ssize_t n;
	char *p;
	if (max <= 0 || max > (1 << 24))
		return luaL_error(L, "recv: size out of range");
	p = luaL_buffinitsize(L, &b, (size_t)max);
	n = recv(fd, p, (size_t)max, MSG_DONTWAIT);
	if (n < 0)
		return oxl_errno(L, errno, "recv");
	luaL_pushresultsize(&b, (size_t)n);
	return 1;
}

static int l_close(lua_State *L)
{
	if (close((int)luaL_checkinteger(L, 1)))
		return oxl_errno(L, errno, "close");
	lua_pushboolean(L, 1);
	return 1;
}

/* core.packet_send(ifname, frame[, count]) -> frames sent: raw Ethernet
 * frames through an AF_PACKET socket (no addressing needed). */
static int l_packet_send(lua_State *L)
{
	const char *ifname = luaL_checkstring(L, 1);
	size_t len;
	const char *frame = luaL_checklstring(L, 2, &len);
	lua_Integer count = luaL_optinteger(L, 3, 1), sent = 0;
	struct sockaddr_ll sll;
	int fd;
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	sll.sll_halen = ETH_ALEN;
	if (!sll.sll_ifindex)
		return oxl_errno(L, ENODEV, "interface %s", ifname);
	if (len < ETH_HLEN)
		return luaL_error(L, "packet_send: a frame needs at least %d bytes", ETH_HLEN);
	memcpy(sll.sll_addr, frame, ETH_ALEN);
	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) < 0)
		return oxl_errno(L, errno, "AF_PACKET socket");
	for (; sent < count; sent++)
		if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof sll) < 0) {
			int e = errno;
			close(fd);
			return oxl_errno(L, e, "sending on %s", ifname);
		}
	close(fd);
	lua_pushinteger(L, sent);
	return 1;
}

void oxl_open_sock(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "socketpair", l_socketpair }, { "send", l_send }, { "recv", l_recv },
		{ "close", l_close }, { "packet_send", l_packet_send }, { NULL, NULL }
	};
	luaL_setfuncs(L, funcs, 0);
}
