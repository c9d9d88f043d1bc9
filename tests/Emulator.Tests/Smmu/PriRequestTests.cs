using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>PRI queue entries (SMMUv3 Chapter 8) against words computed by hand. Linux layout: SID 31:0,
/// SSID 51:32, PRIV 58, EXEC 59, READ 60, WRITE 61, LAST 62, SSID_V 63; word 1 PRG_IDX 8:0, ADDR 63:12.</summary>
public sealed class PriRequestTests
{
    [Fact]
    public void A_write_request_that_closes_its_group()
    {
        var r = PriRequest.Create(0x12, 0x345, true, 0x7FFF_0000_1234, 0x1FF, last: true, read: true, write: true);

        // sid 0x12 | ssid 0x345<<32 | READ 1<<60 | WRITE 1<<61 | LAST 1<<62 | SSV 1<<63
        Assert.Equal(0xF000_0345_0000_0012UL, r.Word0);
        Assert.Equal(0x0000_7FFF_0000_11FFUL, r.Word1); // PRG 0x1ff | page 0x7fff00001000
    }

    [Fact]
    public void Exec_and_priv_travel_only_with_a_pasid()
    {
        var noPasid = PriRequest.Create(1, 0, false, 0x2000, 5, last: false, read: true, write: false, execute: true, privileged: true);
        var pasid = PriRequest.Create(2, 1, true, 0x3000, 0, last: true, read: true, write: false, execute: true, privileged: true);

        Assert.Equal(0x1000_0000_0000_0001UL, noPasid.Word0); // sid 1 | READ only: X and Priv dropped without SSV
        Assert.Equal(0x2005UL, noPasid.Word1); // PRG 5 | page 0x2000
        // sid 2 | ssid 1<<32 | PRIV 1<<58 | EXEC 1<<59 | READ 1<<60 | LAST 1<<62 | SSV 1<<63
        Assert.Equal(0xDC00_0001_0000_0002UL, pasid.Word0);
    }

    [Fact]
    public void Fields_read_back_from_raw_words()
    {
        var r = new PriRequest(0xDC00_0001_0000_0002, 0x0000_7FFF_0000_11FF);

        Assert.Equal(2u, r.StreamId);
        Assert.Equal(1u, r.SubstreamId);
        Assert.True(r.SubstreamValid);
        Assert.True(r.Privileged && r.Execute && r.Read && r.Last);
        Assert.False(r.Write);
        Assert.Equal((ushort)0x1FF, r.GroupIndex);
        Assert.Equal(0x7FFF_0000_1000UL, r.Address);
        Assert.False(r.IsStopMarker);
    }

    [Fact]
    public void A_stop_marker_is_last_without_read_or_write_and_with_a_pasid()
    {
        Assert.True(new PriRequest(0xC000_0001_0000_0002, 0).IsStopMarker); // SSV | LAST, no R/W
        Assert.False(new PriRequest(0x4000_0000_0000_0002, 0).IsStopMarker); // no PASID: an ordinary page request
    }

    [Fact]
    public void Pri_request_survives_a_trip_through_memory()
    {
        var r = PriRequest.Create(0x12, 0x345, true, 0x7FFF_0000_1234, 0x1FF, true, true, true);
        Span<byte> bytes = stackalloc byte[PriRequest.Size];

        r.WriteTo(bytes);

        Assert.Equal(r, PriRequest.ReadFrom(bytes));
        Assert.Equal(0x12, bytes[0]); // StreamID low byte first
        Assert.Equal(0xF0, bytes[7]); // the four flag bits 63:60 in the top byte
        Assert.Equal(0xFF, bytes[8]); // PRG index low byte
    }

    [Fact]
    public void Fields_that_do_not_fit_are_caller_bugs()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PriRequest.Create(0, 0x10_0000, true, 0, 0, true, true, false)); // SSID 20 bits
        Assert.Throws<ArgumentOutOfRangeException>(() => PriRequest.Create(0, 0, true, 0, 0x200, true, true, false)); // PRG index 9 bits
    }
}
