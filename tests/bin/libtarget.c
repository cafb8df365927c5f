/* libtarget.c - a shared library function for uprobe tests. */
__attribute__((noinline)) int oxlua_lib_fn(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 2;
}
