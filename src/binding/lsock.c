/* lsock.c - the few socket operations a policy needs to use socket filters
 * and to put frames on an interface: core.socketpair makes two connected
 * sockets, each a userdata owning its fd (socket:fd() is what a `socket:FD`
 * attach point takes); core.packet_send sends raw Ethernet frames. A socket
 * is created closed and opened by core.socketpair; close (also __close,
 * __gc) is idempotent, and its other methods raise once it is closed. */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "binding/lcore.h"
#include "binding/lopen.h"

#define OXL_SOCKET "oxlua.socket"

struct oxl_socket { int fd; };

static struct oxl_socket *new_socket(lua_State *L)
{
	struct oxl_socket *s = lua_newuserdatauv(L, sizeof *s, 0);
	s->fd = -1;
	luaL_setmetatable(L, OXL_SOCKET);
	return s;
}

static int check_fd(lua_State *L)
{
	struct oxl_socket *s = luaL_checkudata(L, 1, OXL_SOCKET);
	if (s->fd < 0)
		luaL_error(L, "socket is closed");
	return s->fd;
}

/* core.socketpair(["dgram"|"stream"]) -> socket, socket | nil, msg, errno */
static int l_socketpair(lua_State *L)
{
	static const char *const types[] = { "dgram", "stream", NULL };
	int t = luaL_checkoption(L, 1, "dgram", types), sv[2];
	struct oxl_socket *a = new_socket(L), *b = new_socket(L);
	if (socketpair(AF_UNIX, (t ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0, sv))
		return oxl_errno(L, errno, "socketpair");
	a->fd = sv[0];
	b->fd = sv[1];
	return 2;
}

/* socket:fd() -> the descriptor (for `socket:FD` attach points) */
static int s_fd(lua_State *L)
{
	lua_pushinteger(L, check_fd(L));
	return 1;
}

/* socket:send(bytes) -> bytes sent | nil, msg, errno (never blocks) */
static int s_send(lua_State *L)
{
	int fd = check_fd(L);
	size_t len;
	const char *data = luaL_checklstring(L, 2, &len);
	ssize_t n = send(fd, data, len, MSG_DONTWAIT);
	if (n < 0)
		return oxl_errno(L, errno, "send");
	lua_pushinteger(L, n);
	return 1;
}

/* socket:recv([max]) -> bytes | nil, "recv: EAGAIN ...", errno when nothing is waiting */
static int s_recv(lua_State *L)
{
	int fd = check_fd(L);
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

/* socket:close(), __close, __gc */
static int s_close(lua_State *L)
{
	struct oxl_socket *s = luaL_checkudata(L, 1, OXL_SOCKET);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return 0;
}

static int s_tostring(lua_State *L)
{
	struct oxl_socket *s = luaL_checkudata(L, 1, OXL_SOCKET);
	if (s->fd >= 0)
		lua_pushfstring(L, "oxlua.socket (fd %d)", s->fd);
	else
		lua_pushliteral(L, "oxlua.socket (closed)");
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
	static const luaL_Reg meta[] = {
		{ "__gc", s_close }, { "__close", s_close }, { "__tostring", s_tostring },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "fd", s_fd }, { "send", s_send }, { "recv", s_recv }, { "close", s_close },
		{ NULL, NULL }
	};
	static const luaL_Reg funcs[] = {
		{ "socketpair", l_socketpair }, { "packet_send", l_packet_send }, { NULL, NULL }
	};
	oxl_newclass(L, OXL_SOCKET, meta, methods);
	luaL_setfuncs(L, funcs, 0);
}
