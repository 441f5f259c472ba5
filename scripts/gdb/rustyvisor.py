"""gdb commands that know rustyvisor's VMs (gdb-multiarch, Python).

Load with the hypervisor's ELF:

    gdb-multiarch build/rustyvisor.elf -x scripts/gdb/rustyvisor.py -ex 'target remote :1234'

Commands (docs/debugging.md):
    rv-vms                  every VM: id, name, state, vCPUs, RAM (guest and host), VMID
    rv-vcpus [VM]           every vCPU (of VM): hart, HSM state, wait, loaded/in guest, pc
    rv-vcpu VM N            vCPU N of VM: its guest registers as saved at its last exit, and
                            its VS-level CSRs: saved, and live from its hart if loaded there
    rv-gpa VM ADDR          a guest-physical address of VM: the host address, or what it is not

VM is a name or an id. Nothing here writes the target.
"""
import gdb

ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
       "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
       "t5", "t6"]
VM_STATES = {0: "running", 1: "stopping", 2: "resetting", 3: "stopped", 4: "paused"}
HSM_STATES = {0: "started", 1: "stopped", 2: "start-pending", 3: "stop-pending", 4: "suspended",
              5: "suspend-pending", 6: "resume-pending"}
# The VS-level state of a vCPU: struct vcpu field, and the CSR that holds it while loaded.
VS_CSRS = [("vsstatus", "vsstatus"), ("vsie", "vsie"), ("vstvec", "vstvec"),
           ("vsscratch", "vsscratch"), ("vsepc", "vsepc"), ("vscause", "vscause"),
           ("vstval", "vstval"), ("vsatp", "vsatp"), ("hvip", "hvip"),
           ("scounteren", "scounteren"), ("senvcfg", "senvcfg"), ("vstimecmp", "vstimecmp")]


def sym(name):
    return gdb.parse_and_eval(name)


def vms():
    """Every VM created, in id order (vm_list[0 .. vm_count))."""
    n = int(sym("vm_count"))
    return [sym("vm_list")[i].dereference() for i in range(n)]


def vm_name(vm):
    return vm["name"].string()


def find_vm(arg):
    for vm in vms():
        if vm_name(vm) == arg or (arg.isdigit() and int(vm["id"]) == int(arg)):
            return vm
    raise gdb.GdbError(f"no VM {arg!r} (rv-vms lists them)")


def harts():
    return [sym("harts")[i] for i in range(int(sym("hart_count")))]


def hart_of(vcpu):
    """The hart index vcpu is placed on, and whether it is loaded there."""
    owner = int(vcpu["owner"])
    for h in harts():
        if int(h.address) == owner:
            return int(h["index"]), int(h["loaded"]) == int(vcpu.address)
    return None, False


def thread_of_hart(index):
    """gdb's thread for a hart: QEMU numbers them as its CPUs, from 1; the
    hart's index in harts[] is its position in the FDT, which on the virt
    machine is its hart id."""
    hartid = int(harts()[index]["hartid"])
    for t in gdb.selected_inferior().threads():
        if t.num == hartid + 1:
            return t
    return None


def read_reg(thread, name):
    cur = gdb.selected_thread()
    thread.switch()
    try:
        return int(gdb.parse_and_eval("$" + name))
    except gdb.error:
        return None
    finally:
        cur.switch()


class RvVms(gdb.Command):
    """List rustyvisor's VMs."""

    def __init__(self):
        super().__init__("rv-vms", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        print(f"{'id':>2} {'name':<15} {'state':<9} vcpus {'guest RAM':<25} {'host RAM':<18} vmid")
        for vm in vms():
            base, size, hpa = int(vm["ram_base"]), int(vm["ram_size"]), int(vm["ram_hpa"])
            state = VM_STATES.get(int(vm["state"]), str(int(vm["state"])))
            print(f"{int(vm['id']):>2} {vm_name(vm):<15} {state:<9} {int(vm['nvcpus']):>5} "
                  f"0x{base:x}-0x{base + size - 1:x} 0x{hpa:x} {' ' * max(0, 9 - len(hex(hpa)))}"
                  f"{int(vm['vmid'])}")


class RvVcpus(gdb.Command):
    """List vCPUs: rv-vcpus [VM]."""

    def __init__(self):
        super().__init__("rv-vcpus", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        sel = [find_vm(arg.strip())] if arg.strip() else vms()
        print(f"{'vm':<15} vcpu hart {'hsm':<15} {'wait':<5} {'where':<10} pc (at its last exit)")
        for vm in sel:
            for i in range(int(vm["nvcpus"])):
                v = vm["vcpu"][i]
                hart, loaded = hart_of(v)
                where = "loaded" if loaded else "saved"
                pc = int(v["arch"]["sepc"])
                hsm = HSM_STATES.get(int(v["hsm_state"]), str(int(v["hsm_state"])))
                wait = str(v["wait"]).replace("WAIT_", "").lower()
                print(f"{vm_name(vm):<15} {i:>4} {hart if hart is not None else '-':>4} "
                      f"{hsm:<15} {wait:<5} {where:<10} 0x{pc:x}")


class RvVcpu(gdb.Command):
    """A vCPU's guest registers and CSRs: rv-vcpu VM N."""

    def __init__(self):
        super().__init__("rv-vcpu", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        args = arg.split()
        if len(args) != 2 or not args[1].isdigit():
            raise gdb.GdbError("usage: rv-vcpu VM N")
        vm = find_vm(args[0])
        n = int(args[1])
        if n >= int(vm["nvcpus"]):
            raise gdb.GdbError(f"VM {vm_name(vm)} has {int(vm['nvcpus'])} vCPU(s)")
        v = vm["vcpu"][n]
        hart, loaded = hart_of(v)
        print(f"VM {vm_name(vm)} vCPU {n}, hart {hart}, " +
              ("loaded there (its VS CSRs are live in the hart)" if loaded else "not loaded"))
        print("  registers as saved at its last exit (after an exit answered on a fast path,"
              " s0-s11 and gp were not saved: trap.S)")
        regs = [f"{ABI[i]:>4} 0x{int(v['arch']['x'][i]):016x}" for i in range(1, 32)]
        for i in range(0, len(regs), 4):
            print("  " + "  ".join(regs[i:i + 4]))
        print(f"    pc 0x{int(v['arch']['sepc']):016x}  sstatus 0x{int(v['arch']['sstatus']):x}  "
              f"hstatus 0x{int(v['arch']['hstatus']):x}")
        thread = thread_of_hart(hart) if loaded and hart is not None else None
        for label, live in (("saved", False), (f"live on hart {hart}", True)):
            if live and not thread:
                continue
            vals = []
            for field, csr in VS_CSRS:
                val = read_reg(thread, csr) if live else int(v[field])
                vals.append(f"{field:>10} " + ("?" if val is None else f"0x{val:x}"))
            print(f"  VS CSRs, {label}" + (" (valid while the hart is stopped in the hypervisor)"
                                           if live else ""))
            for i in range(0, len(vals), 4):
                print("  " + "  ".join(vals[i:i + 4]))


class RvGpa(gdb.Command):
    """Translate a guest-physical address: rv-gpa VM ADDR."""

    def __init__(self):
        super().__init__("rv-gpa", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        args = arg.split()
        if len(args) != 2:
            raise gdb.GdbError("usage: rv-gpa VM ADDR")
        vm = find_vm(args[0])
        gpa = int(gdb.parse_and_eval(args[1]))
        base, size, hpa = int(vm["ram_base"]), int(vm["ram_size"]), int(vm["ram_hpa"])
        if base <= gpa < base + size:
            print(f"VM {vm_name(vm)} gpa 0x{gpa:x} -> host 0x{hpa + gpa - base:x} (RAM + 0x{gpa - base:x})")
        else:
            print(f"VM {vm_name(vm)} gpa 0x{gpa:x}: not in its RAM (0x{base:x}-0x{base + size - 1:x}): "
                  f"a device window or nothing")


RvVms()
RvVcpus()
RvVcpu()
RvGpa()
