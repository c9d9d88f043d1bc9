/*
 * Runs single x86-64 instructions on the host processor for the SimdFloat cross-checks.
 *
 * stdin: a sequence of `struct probe` records; stdout: each record again, holding the state after
 * the instruction ran. The instruction sees RAX, RCX, RDX, RBX, RFLAGS (status bits), YMM0-15,
 * MM0-7 and MXCSR from the record, and RSI pointing at the record's 64-byte, 64-aligned `mem`.
 * A fault does not stop the run: the signal handler records it (1 = SIGFPE, i.e. #XM; 2 = SIGSEGV
 * or SIGBUS, i.e. #GP; 3 = SIGILL, i.e. #UD) and resumes after the instruction, so the record holds
 * the state the fault left (MXCSR flags set, destination unchanged).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

struct probe {
    uint8_t ymm[16][32];     /*    0 */
    uint8_t mem[64];         /*  512 */
    uint64_t gpr[4];         /*  576: rax rcx rdx rbx */
    uint64_t mm[8];          /*  608 */
    uint64_t rflags;         /*  672 */
    uint32_t mxcsr;          /*  680 */
    uint32_t fault;          /*  684 */
    uint8_t code[15];        /*  688 */
    uint8_t len;             /*  703 */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct probe) == 704, "layout shared with HostProbe.cs");

void run_probe(struct probe *p, void *code);
__asm__(
    ".text\n.globl run_probe\nrun_probe:\n"
    "push %rbp\npush %rbx\npush %r12\npush %r13\npush %r14\npush %r15\nsub $8,%rsp\n"
    "mov %rdi,%r12\nmov %rsi,%r13\n"
    "vmovdqu 0(%r12),%ymm0\nvmovdqu 32(%r12),%ymm1\nvmovdqu 64(%r12),%ymm2\nvmovdqu 96(%r12),%ymm3\n"
    "vmovdqu 128(%r12),%ymm4\nvmovdqu 160(%r12),%ymm5\nvmovdqu 192(%r12),%ymm6\nvmovdqu 224(%r12),%ymm7\n"
    "vmovdqu 256(%r12),%ymm8\nvmovdqu 288(%r12),%ymm9\nvmovdqu 320(%r12),%ymm10\nvmovdqu 352(%r12),%ymm11\n"
    "vmovdqu 384(%r12),%ymm12\nvmovdqu 416(%r12),%ymm13\nvmovdqu 448(%r12),%ymm14\nvmovdqu 480(%r12),%ymm15\n"
    "movq 608(%r12),%mm0\nmovq 616(%r12),%mm1\nmovq 624(%r12),%mm2\nmovq 632(%r12),%mm3\n"
    "movq 640(%r12),%mm4\nmovq 648(%r12),%mm5\nmovq 656(%r12),%mm6\nmovq 664(%r12),%mm7\n"
    "mov 576(%r12),%rax\nmov 584(%r12),%rcx\nmov 592(%r12),%rdx\nmov 600(%r12),%rbx\n"
    "lea 512(%r12),%rsi\n"
    "ldmxcsr 680(%r12)\n"
    "pushq 672(%r12)\npopfq\n"
    "call *%r13\n"
    "pushfq\npopq 672(%r12)\n"
    "stmxcsr 680(%r12)\n"
    "mov %rax,576(%r12)\nmov %rcx,584(%r12)\nmov %rdx,592(%r12)\nmov %rbx,600(%r12)\n"
    "vmovdqu %ymm0,0(%r12)\nvmovdqu %ymm1,32(%r12)\nvmovdqu %ymm2,64(%r12)\nvmovdqu %ymm3,96(%r12)\n"
    "vmovdqu %ymm4,128(%r12)\nvmovdqu %ymm5,160(%r12)\nvmovdqu %ymm6,192(%r12)\nvmovdqu %ymm7,224(%r12)\n"
    "vmovdqu %ymm8,256(%r12)\nvmovdqu %ymm9,288(%r12)\nvmovdqu %ymm10,320(%r12)\nvmovdqu %ymm11,352(%r12)\n"
    "vmovdqu %ymm12,384(%r12)\nvmovdqu %ymm13,416(%r12)\nvmovdqu %ymm14,448(%r12)\nvmovdqu %ymm15,480(%r12)\n"
    "movq %mm0,608(%r12)\nmovq %mm1,616(%r12)\nmovq %mm2,624(%r12)\nmovq %mm3,632(%r12)\n"
    "movq %mm4,640(%r12)\nmovq %mm5,648(%r12)\nmovq %mm6,656(%r12)\nmovq %mm7,664(%r12)\n"
    "emms\nvzeroupper\n"
    "movl $0x1f80,(%rsp)\nldmxcsr (%rsp)\n"
    "add $8,%rsp\npop %r15\npop %r14\npop %r13\npop %r12\npop %rbx\npop %rbp\nret\n");

static uint8_t *code_page;
static volatile uint32_t fault_kind;
static volatile uint64_t resume_at;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    (void)si;
    ucontext_t *uc = ctx;
    uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    if (rip < (uint64_t)code_page || rip >= (uint64_t)code_page + 4096) {
        signal(sig, SIG_DFL); /* a fault in the harness itself: die with it */
        return;
    }
    fault_kind = sig == SIGFPE ? 1 : sig == SIGILL ? 3 : 2;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)resume_at;
}

int main(void)
{
    code_page = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code_page == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &sa, 0);
    sigaction(SIGSEGV, &sa, 0);
    sigaction(SIGBUS, &sa, 0);
    sigaction(SIGILL, &sa, 0);
    static struct probe p;
    while (fread(&p, sizeof p, 1, stdin) == 1) {
        memcpy(code_page, p.code, p.len);
        code_page[p.len] = 0xC3;
        resume_at = (uint64_t)(code_page + p.len);
        fault_kind = 0;
        run_probe(&p, code_page);
        p.fault = fault_kind;
        if (fwrite(&p, sizeof p, 1, stdout) != 1) {
            return 1;
        }
    }
    return 0;
}
