/*
 * bcryptprimitives.dll for running Go programs under Wine 8 in tests only;
 * never shipped. Three things Windows 10 has and Wine 8.0 lacks:
 *
 * 1. ProcessPrng. Go's runtime loads it from system32 at start and stops
 *    when it is missing. Windows implements it over the same generator as
 *    RtlGenRandom, which advapi32 exports as SystemFunction036.
 *
 * 2. FileDispositionInformationEx (class 64 of NtSetInformationFile). Go's
 *    os.RemoveAll tries it first and falls back to the old class when the
 *    system answers STATUS_INVALID_INFO_CLASS, as Windows before 10 1607
 *    does; Wine 8.0 answers STATUS_NOT_IMPLEMENTED instead, so every
 *    RemoveAll of a non-empty folder (t.TempDir's clean-up) fails with
 *    "Invalid function". When the program loads this DLL, its DllMain
 *    points the program's GetProcAddress import at a wrapper that hands out
 *    a NtSetInformationFile giving the answer Go expects. mailq itself
 *    never calls RemoveAll; only the tests' clean-up needs this.
 *
 * 3. SIO_UDP_NETRESET. Go's net package turns it off on every UDP socket
 *    (as it does SIO_UDP_CONNRESET) and gives up on the socket when that
 *    fails; Wine 8.0 answers WSAEOPNOTSUPP, so no UDP socket (DNS, the
 *    tests' DNS servers) could be made. The same GetProcAddress wrapper
 *    hands out a WSAIoctl that reports success for these two switches: what
 *    they turn off is error reporting for ICMP messages, which Wine does not
 *    report anyway.
 */
#include <windows.h>
#include <winternl.h>
#include <string.h>

#ifndef STATUS_NOT_IMPLEMENTED
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L)
#endif
#ifndef STATUS_INVALID_INFO_CLASS
#define STATUS_INVALID_INFO_CLASS ((NTSTATUS)0xC0000003L)
#endif
#ifndef STATUS_INVALID_DEVICE_REQUEST
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010L)
#endif
#define FILE_DISPOSITION_INFORMATION_EX_CLASS 64
#define SIO_UDP_CONNRESET_CODE 0x9800000CUL
#define SIO_UDP_NETRESET_CODE 0x9800000FUL
#define WSAEOPNOTSUPP_CODE 10045

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

typedef NTSTATUS(WINAPI *setInfoFn)(HANDLE, PVOID, PVOID, ULONG, ULONG);
typedef FARPROC(WINAPI *getProcFn)(HMODULE, LPCSTR);

typedef int(WINAPI *ioctlFn)(UINT_PTR, DWORD, PVOID, DWORD, PVOID, DWORD, PDWORD, PVOID, PVOID);

static setInfoFn realSetInfo;
static getProcFn realGetProc;
static ioctlFn realIoctl;

static int WINAPI wsaIoctl(UINT_PTR s, DWORD code, PVOID in, DWORD inLen, PVOID out, DWORD outLen,
			   PDWORD ret, PVOID ov, PVOID done)
{
	int r = realIoctl(s, code, in, inLen, out, outLen, ret, ov, done);
	if (r != 0 && (code == SIO_UDP_CONNRESET_CODE || code == SIO_UDP_NETRESET_CODE) &&
	    GetLastError() == WSAEOPNOTSUPP_CODE) {
		if (ret != NULL)
			*ret = 0;
		SetLastError(0);
		return 0;
	}
	return r;
}

static NTSTATUS WINAPI setInfo(HANDLE h, PVOID iosb, PVOID buf, ULONG len, ULONG class)
{
	NTSTATUS st = realSetInfo(h, iosb, buf, len, class);
	if (class == FILE_DISPOSITION_INFORMATION_EX_CLASS &&
	    (st == STATUS_NOT_IMPLEMENTED || st == STATUS_INVALID_DEVICE_REQUEST))
		return STATUS_INVALID_INFO_CLASS;
	return st;
}

static FARPROC WINAPI getProc(HMODULE m, LPCSTR name)
{
	if (HIWORD((ULONG_PTR)name) != 0 && m == GetModuleHandleA("ntdll.dll") &&
	    strcmp(name, "NtSetInformationFile") == 0)
		return (FARPROC)(void *)setInfo;
	if (HIWORD((ULONG_PTR)name) != 0 && strcmp(name, "WSAIoctl") == 0) {
		realIoctl = (ioctlFn)(void *)realGetProc(m, name);
		return realIoctl != NULL ? (FARPROC)(void *)wsaIoctl : NULL;
	}
	return realGetProc(m, name);
}

/* hookImports replaces every import slot of the program that holds the real
 * GetProcAddress with getProc. */
static void hookImports(void)
{
	BYTE *base = (BYTE *)GetModuleHandleA(NULL);
	IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
	IMAGE_DATA_DIRECTORY dir = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
	IMAGE_IMPORT_DESCRIPTOR *d;
	if (dir.VirtualAddress == 0)
		return;
	for (d = (IMAGE_IMPORT_DESCRIPTOR *)(base + dir.VirtualAddress); d->Name != 0; d++) {
		IMAGE_THUNK_DATA *t;
		for (t = (IMAGE_THUNK_DATA *)(base + d->FirstThunk); t->u1.Function != 0; t++) {
			DWORD old;
			if (t->u1.Function != (ULONG_PTR)realGetProc)
				continue;
			if (VirtualProtect(&t->u1.Function, sizeof t->u1.Function, PAGE_READWRITE, &old)) {
				t->u1.Function = (ULONG_PTR)getProc;
				VirtualProtect(&t->u1.Function, sizeof t->u1.Function, old, &old);
			}
		}
	}
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst;
	(void)reserved;
	if (reason != DLL_PROCESS_ATTACH)
		return TRUE;
	realGetProc = (getProcFn)(void *)GetProcAddress(GetModuleHandleA("kernel32.dll"), "GetProcAddress");
	realSetInfo = (setInfoFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtSetInformationFile");
	if (realGetProc != NULL && realSetInfo != NULL)
		hookImports();
	return TRUE;
}
