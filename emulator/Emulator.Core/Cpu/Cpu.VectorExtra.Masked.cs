using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// VPMASKMOVD/Q and VMASKMOVPS/PD, load (<c>r, mask, m</c>) and store (<c>m, mask, r</c>) forms
    /// (SDM Vol. 2C): only the elements whose mask element has its sign bit set are accessed.
    /// </summary>
    /// <remarks>
    /// A masked-off element is never translated, so it can neither fault nor touch memory ("faults
    /// will not occur due to referencing any memory location if the corresponding mask bit for that
    /// memory location is 0"): a fully masked access to an unmapped page completes, a store writes only
    /// the enabled elements. Precise: a load reads the enabled elements (reads have no side effects)
    /// and writes the register only when all succeeded; a store translates every enabled element for
    /// writing before it stores any. A load writes zero to the masked-off elements.
    /// </remarks>
    private bool ExecVexMaskMove(in Instruction i)
    {
        int size = i.Mnemonic is Mnemonic.Vpmaskmovq or Mnemonic.Vmaskmovpd ? 8 : 4;
        bool store = i.Op0Kind == OpKind.Memory;
        Register maskReg = i.Op1Register;
        Register dataReg = store ? i.Op2Register : i.Op0Register;
        int count = (IsYmmRegister(maskReg) ? 32 : 16) / size;
        Vector256<byte> mask = ReadVexRegister(maskReg);
        ulong ea = Ea(i);
        if (!store)
        {
            Vector256<byte> r = default;
            Span<byte> dst = Elements<byte>(ref r);
            for (int k = 0; k < count; k++)
            {
                if (!ElementEnabled(mask, k, size))
                {
                    continue;
                }
                if (!Read(ea + (ulong)(k * size), size, out ulong v))
                {
                    return false;
                }
                StoreElement(dst, k, size, v);
            }
            WriteVexResult(dataReg, r);
            return true;
        }
        MemRefs8 refBuffer = default;
        Span<MemRef> refs = refBuffer;
        for (int k = 0; k < count; k++)
        {
            if (ElementEnabled(mask, k, size) && !TranslateMem(ea + (ulong)(k * size), size, write: true, out refs[k]))
            {
                return false;
            }
        }
        Vector256<byte> data = ReadVexRegister(dataReg);
        for (int k = 0; k < count; k++)
        {
            if (ElementEnabled(mask, k, size))
            {
                Store(refs[k], size, size == 8 ? data.AsUInt64().GetElement(k) : data.AsUInt32().GetElement(k));
            }
        }
        return true;
    }

    /// <summary>Writes element <paramref name="k"/> (4 or 8 bytes, little-endian) of a vector's bytes.</summary>
    private static void StoreElement(Span<byte> bytes, int k, int size, ulong v)
    {
        if (size == 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes[(k * 8)..], v);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes[(k * 4)..], (uint)v);
        }
    }

    /// <summary>True when element <paramref name="k"/> (of <paramref name="size"/> bytes) of a mask has its sign bit set.</summary>
    private static bool ElementEnabled(Vector256<byte> mask, int k, int size) =>
        (mask.GetElement(k * size + size - 1) & 0x80) != 0;

    /// <summary>
    /// VPGATHERDD/DQ/QD/QQ and VGATHERDPS/DPD/QPS/QPD (SDM Vol. 2C VGATHERDPD/VPGATHERDD...): element by
    /// element from the lowest, each enabled element (mask sign bit set) is loaded from base + index ×
    /// scale + displacement (dword indices sign-extended) and its mask element cleared.
    /// </summary>
    /// <remarks>
    /// A #PF on an element leaves the elements below it loaded, with their mask elements cleared, and
    /// the faulting one and those above untouched, so the restarted instruction loads only what is
    /// left — the SDM's "all elements closer to the LSB of the destination will be completed". On
    /// completion the whole mask register is zero. A VEX.128 form zeroes bits 255:128 of the destination
    /// and the mask whenever it writes them (and a form with fewer elements than the destination holds,
    /// the qword-index ones, zeroes the destination's unused upper half). Destination, index and mask
    /// naming the same register is #UD.
    /// </remarks>
    private bool ExecGather(in Instruction i)
    {
        Register dstReg = i.Op0Register, maskReg = i.Op2Register, indexReg = i.MemoryIndex;
        int d = RegisterNumber(dstReg), m = RegisterNumber(maskReg), x = RegisterNumber(indexReg);
        if (d == m || d == x || m == x)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        Mnemonic mn = i.Mnemonic;
        bool qwordIndex = mn is Mnemonic.Vpgatherqd or Mnemonic.Vpgatherqq or Mnemonic.Vgatherqps or Mnemonic.Vgatherqpd;
        int size = mn is Mnemonic.Vpgatherdq or Mnemonic.Vpgatherqq or Mnemonic.Vgatherdpd or Mnemonic.Vgatherqpd ? 8 : 4;
        bool wideIndex = IsYmmRegister(indexReg);
        int count = qwordIndex
            ? (wideIndex ? 4 : 2)
            : Math.Min((wideIndex ? 8 : 4), (IsYmmRegister(dstReg) ? 32 : 16) / size);
        Vector256<byte> dst = ReadVexRegister(dstReg);
        Vector256<byte> mask = ReadVexRegister(maskReg);
        Vector256<byte> index = ReadVexRegister(indexReg);
        Span<byte> dstBytes = Elements<byte>(ref dst), maskBytes = Elements<byte>(ref mask);
        ulong vsibBase = Ea(i);   // base + displacement (+ FS/GS): a vector index register adds nothing here
        bool address32 = i.MemoryBase.IsGPR32();
        int scale = i.MemoryIndexScale;
        bool ok = true;
        int done = 0;
        for (int k = 0; k < count; k++)
        {
            if (!ElementEnabled(mask, k, size))
            {
                continue;
            }
            long idx = qwordIndex ? index.AsInt64().GetElement(k) : index.AsInt32().GetElement(k);
            ulong ea = vsibBase + (ulong)(idx * scale);
            if (address32)
            {
                ea = (uint)ea;
            }
            if (!Read(ea, size, out ulong v))
            {
                ok = false;
                break;
            }
            StoreElement(dstBytes, k, size, v);
            maskBytes.Slice(k * size, size).Clear();
            done++;
        }
        if (ok)
        {
            mask = Vector256<byte>.Zero;
        }
        else if (done == 0)
        {
            // Nothing completed: the state is exactly as before the instruction.
            return false;
        }
        if (!IsYmmRegister(dstReg))
        {
            // VEX.128 (the qword-index forms with an XMM index fill only the low half of the destination).
            int used = count * size;
            dstBytes[used..].Clear();
            if (!ok)
            {
                maskBytes[(IsYmmRegister(maskReg) ? 32 : 16)..].Clear();
            }
        }
        Ymm(RegisterToYmm(dstReg)) = dst;
        Ymm(RegisterToYmm(maskReg)) = mask;
        return ok;
    }

    /// <summary>0–15 for XMMn or YMMn.</summary>
    private static int RegisterNumber(Register r) => IsYmmRegister(r) ? r - Register.YMM0 : r - Register.XMM0;

    private static Register RegisterToYmm(Register r) => Register.YMM0 + RegisterNumber(r);
}
