// board-sim: the Verilator bridge between the gateware (sim_top.v) and the host.
//
// Serve mode: listens on TCP and/or a Unix socket like the firmware stub (firmware-stubs/README.md) and
// feeds each connection's bytes into the board's byte-stream interface, one byte per clock, collecting
// its output bytes. This is the only C++ of hw/: it clocks the model and moves bytes, nothing else.
//   * One host at a time (the board has one USB link): a new connection replaces the current one. At a
//     connection change the board first finishes what it was doing, then gets a one-clock session reset
//     (HELLO awaited, seq from 0; the ATC is kept, as on a real board).
//   * The bytes of one read() are presented back to back; when the socket has nothing more, the input
//     goes idle and the clock runs until the board is quiet (board_engine's "end of a read").
//   * --corrupt-rx-every N / --corrupt-tx-every N flip bit 0 of every Nth byte received / sent: the
//     "corruption between host and RTL" of the fault tests (deterministic).
//   * On SIGINT/SIGTERM or when stdin closes with --exit-on-stdin-eof, prints "board-sim: N cycles".
// Unit mode (--unit): line commands on stdin drive the standalone CRC, frame receiver and ATC core
// instances and the board itself; see the usage text below. Numbers are hex.
#include "Vsim_top.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

// Exit status, as every command of the project (README § Exit status): 0 success, 2 usage, 3 the
// environment failed (a socket that cannot be bound); 0 also after SIGINT/SIGTERM,
// which is how a server is asked to stop.
constexpr int kExitUsage = 2;
constexpr int kExitEnvironment = 3;

struct Sim {
    std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    std::unique_ptr<Vsim_top> top;
    std::unique_ptr<VerilatedVcdC> vcd;
    uint64_t cycles = 0;

    explicit Sim(const char* vcd_path) {
        top.reset(new Vsim_top{ctx.get()});
        if (vcd_path) {
            ctx->traceEverOn(true);
            vcd.reset(new VerilatedVcdC);
            top->trace(vcd.get(), 99);
            vcd->open(vcd_path);
        }
        top->uatc_cpl_ready = 1;
        top->m_ready = 1;
        top->rst = 1;
        for (int i = 0; i < 4; i++) tick();
        top->rst = 0;
    }
    ~Sim() {
        if (vcd) vcd->close();
        top->final();
    }
    // Settle the inputs with the clock low (the caller samples the outputs then), then one rising edge.
    void settle() {
        top->clk = 0;
        top->eval();
        if (vcd) vcd->dump(ctx->time());
        ctx->timeInc(1);
    }
    void edge() {
        top->clk = 1;
        top->eval();
        if (vcd) vcd->dump(ctx->time());
        ctx->timeInc(1);
        cycles++;
    }
    void tick() { settle(); edge(); }
};

// ------------------------------------------------------------------ serve mode

struct Options {
    std::string tcp;
    std::string unix_path;
    const char* vcd = nullptr;
    bool unit = false;
    uint64_t corrupt_rx = 0, corrupt_tx = 0;
};

int listen_tcp(const std::string& spec, std::string& bound) {
    size_t colon = spec.rfind(':');
    if (colon == std::string::npos) return -1;
    std::string host = spec.substr(0, colon);
    int port = std::atoi(spec.c_str() + colon + 1);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) {
        close(fd);
        return -1;
    }
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    bound = host + ":" + std::to_string(ntohs(addr.sin_port));
    return fd;
}

int listen_unix(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return -1;
    std::strcpy(addr.sun_path, path.c_str());
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool send_all(int fd, const std::vector<uint8_t>& out) {
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n = send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return true;
}

int serve(const Options& o) {
    std::vector<int> listeners;
    if (!o.tcp.empty()) {
        std::string bound;
        int fd = listen_tcp(o.tcp, bound);
        if (fd < 0) {
            std::fprintf(stderr, "board-sim: cannot listen on tcp %s: %s\n", o.tcp.c_str(), std::strerror(errno));
            return kExitEnvironment;
        }
        listeners.push_back(fd);
        std::printf("listening on tcp %s\n", bound.c_str());
    }
    if (!o.unix_path.empty()) {
        int fd = listen_unix(o.unix_path);
        if (fd < 0) {
            std::fprintf(stderr, "board-sim: cannot listen on unix %s: %s%s\n", o.unix_path.c_str(), std::strerror(errno),
                         errno == EADDRINUSE ? " (remove it if no board-sim is running)" : "");
            return kExitEnvironment;
        }
        listeners.push_back(fd);
        std::printf("listening on unix %s\n", o.unix_path.c_str());
    }
    std::fflush(stdout);
    for (int l : listeners) fcntl(l, F_SETFL, fcntl(l, F_GETFL) | O_NONBLOCK);   // accepts are polled

    Sim sim(o.vcd);
    auto* t = sim.top.get();
    int client = -1;
    std::vector<uint8_t> in(65536), out;
    size_t in_len = 0, in_pos = 0;
    uint64_t rx_count = 0, tx_count = 0;

    auto flush_out = [&]() {
        if (client >= 0 && !out.empty() && !send_all(client, out)) {
            close(client);
            client = -1;
        }
        out.clear();
    };
    // Run the board with no input until it has nothing left to do.
    auto quiesce = [&]() {
        t->s_valid = 0;
        for (;;) {
            sim.settle();
            if (t->m_valid) {
                uint8_t b = t->m_data;
                if (o.corrupt_tx && ++tx_count % o.corrupt_tx == 0) b ^= 1;
                out.push_back(b);
            }
            bool busy = t->busy_o || t->m_valid;
            sim.edge();
            if (!busy) break;
        }
    };
    auto new_session = [&](int fd) {
        quiesce();
        flush_out();
        if (client >= 0) close(client);
        client = fd;
        in_len = in_pos = 0;
        t->session_reset_i = 1;
        sim.tick();
        t->session_reset_i = 0;
    };

    while (!g_stop) {
        // New connections replace the current one.
        for (int l : listeners) {
            int fd = accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
            if (fd >= 0) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                new_session(fd);
            }
        }
        if (in_pos == in_len && client >= 0) {
            ssize_t n = recv(client, in.data(), in.size(), MSG_DONTWAIT);
            if (n > 0) {
                in_len = static_cast<size_t>(n);
                in_pos = 0;
            } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                quiesce();
                out.clear();   // nobody to send it to
                close(client);
                client = -1;
                t->session_reset_i = 1;
                sim.tick();
                t->session_reset_i = 0;
                continue;
            }
        }
        if (in_pos == in_len) {
            quiesce();
            flush_out();
            if (t->hangup_o && client >= 0) {   // the board refused this host
                close(client);
                client = -1;
                t->session_reset_i = 1;
                sim.tick();
                t->session_reset_i = 0;
            }
            std::vector<pollfd> fds;
            for (int l : listeners) fds.push_back({l, POLLIN, 0});
            if (client >= 0) fds.push_back({client, POLLIN, 0});
            poll(fds.data(), fds.size(), 1000);
            continue;
        }
        // Present this read's bytes back to back.
        while (in_pos < in_len) {
            uint8_t b = in[in_pos];
            if (o.corrupt_rx && (rx_count + 1) % o.corrupt_rx == 0) b ^= 1;
            t->s_valid = 1;
            t->s_data = b;
            sim.settle();
            bool took = t->s_ready;
            if (t->m_valid) {
                uint8_t ob = t->m_data;
                if (o.corrupt_tx && ++tx_count % o.corrupt_tx == 0) ob ^= 1;
                out.push_back(ob);
            }
            sim.edge();
            if (took) {
                in_pos++;
                rx_count++;
            }
            if (t->hangup_o) {   // nothing after a refusal is read
                in_pos = in_len;
            }
            if (out.size() >= 16384) flush_out();
        }
        t->s_valid = 0;
    }
    if (client >= 0) close(client);
    for (int l : listeners) close(l);
    if (!o.unix_path.empty()) unlink(o.unix_path.c_str());
    std::fprintf(stderr, "board-sim: %llu cycles\n", static_cast<unsigned long long>(sim.cycles));
    return 0;
}

// ------------------------------------------------------------------ unit mode

std::vector<uint8_t> parse_hex(const std::string& s) {
    std::vector<uint8_t> v;
    for (size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(static_cast<uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
    return v;
}

void print_hex(std::ostream& os, const uint8_t* p, size_t n) {
    static const char* d = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) os << d[p[i] >> 4] << d[p[i] & 15];
}

uint64_t hx(std::istringstream& in) {
    std::string w;
    in >> w;
    return std::stoull(w, nullptr, 16);
}

const char* kUsage =
    "unit commands (hex numbers, one per line; each answer ends with a line 'done CYCLES'):\n"
    "  crc BYTES                         -> crc CRC32C\n"
    "  rx EVERY BYTES                    frame receiver; the event is taken one clock in EVERY\n"
    "                                    -> evt KIND TYPE MAJOR MINOR SEQ LEN NAMEOK HEAD28 (per event)\n"
    "  fill SID PASID VA SIZE PA PERMS G -> ok\n"
    "  inv SID PASID VA SIZE G ITAG      -> cpl ITAG\n"
    "  reset                             -> ok\n"
    "  dump SID                          -> count N, then N x entry PASID SIZE PERMS G VA PA\n"
    "  lookup SID PASID VA NEEDED        -> lookup HIT PA\n"
    "  board BYTES                       new session, BYTES back to back, run until quiet\n"
    "                                    -> out BYTES, took CYCLE (when the last input byte was taken)\n";

int unit() {
    Sim sim(nullptr);
    auto* t = sim.top.get();
    std::string line;
    std::ios::sync_with_stdio(false);
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string cmd;
        in >> cmd;
        if (cmd.empty()) continue;
        uint64_t start = sim.cycles;
        std::ostringstream os;
        os << std::hex;
        if (cmd == "crc") {
            std::string h;
            in >> h;
            uint32_t c = 0xFFFFFFFFu;
            for (uint8_t b : parse_hex(h)) {
                t->ucrc_i = c;
                t->ucrc_data_i = b;
                t->eval();
                c = t->ucrc_o;
            }
            os << "crc " << (c ^ 0xFFFFFFFFu) << "\n";
        } else if (cmd == "rx") {
            uint64_t every = hx(in);
            std::string h;
            in >> h;
            std::vector<uint8_t> bytes = parse_hex(h);
            size_t pos = 0;
            uint64_t quiet = 0;
            for (uint64_t n = 0; pos < bytes.size() || quiet < 64; n++) {
                t->urx_valid = pos < bytes.size();
                t->urx_data = pos < bytes.size() ? bytes[pos] : 0;
                t->urx_evt_ready = (every <= 1 || n % every == 0);
                sim.settle();
                bool took = t->urx_valid && t->urx_ready;
                if (t->urx_evt_valid && t->urx_evt_ready) {
                    uint8_t head[28];
                    for (int i = 0; i < 28; i++) head[i] = static_cast<uint8_t>(t->urx_evt_head[i / 4] >> (8 * (i % 4)));
                    os << "evt " << int(t->urx_evt_kind) << " " << int(t->urx_evt_type) << " " << int(t->urx_evt_major)
                       << " " << int(t->urx_evt_minor) << " " << t->urx_evt_seq << " " << t->urx_evt_len << " "
                       << int(t->urx_evt_name_ok) << " ";
                    print_hex(os, head, 28);
                    os << "\n";
                    quiet = 0;
                }
                sim.edge();
                if (took) pos++;
                if (pos >= bytes.size()) quiet++;
            }
            t->urx_valid = 0;
        } else if (cmd == "fill" || cmd == "inv" || cmd == "reset" || cmd == "dump" || cmd == "lookup") {
            t->uatc_cmd_sid = t->uatc_cmd_pasid = 0;
            t->uatc_cmd_va = t->uatc_cmd_pa = 0;
            t->uatc_cmd_size = 12;
            t->uatc_cmd_perms = t->uatc_cmd_global = 0;
            t->uatc_cmd_itag = 0;
            if (cmd == "fill") {
                t->uatc_cmd_op = 0;
                t->uatc_cmd_sid = hx(in); t->uatc_cmd_pasid = hx(in); t->uatc_cmd_va = hx(in);
                t->uatc_cmd_size = hx(in); t->uatc_cmd_pa = hx(in); t->uatc_cmd_perms = hx(in);
                t->uatc_cmd_global = hx(in);
            } else if (cmd == "inv") {
                t->uatc_cmd_op = 1;
                t->uatc_cmd_sid = hx(in); t->uatc_cmd_pasid = hx(in); t->uatc_cmd_va = hx(in);
                t->uatc_cmd_size = hx(in); t->uatc_cmd_global = hx(in); t->uatc_cmd_itag = hx(in);
            } else if (cmd == "reset") {
                t->uatc_cmd_op = 2;
            } else if (cmd == "dump") {
                t->uatc_cmd_op = 3;
                t->uatc_cmd_sid = hx(in);
            } else {
                t->uatc_cmd_op = 4;
                t->uatc_cmd_sid = hx(in); t->uatc_cmd_pasid = hx(in); t->uatc_cmd_va = hx(in);
                t->uatc_cmd_perms = hx(in);
            }
            t->uatc_cmd_valid = 1;
            for (;;) {
                sim.settle();
                bool taken = t->uatc_cmd_ready;
                sim.edge();
                if (taken) break;
            }
            t->uatc_cmd_valid = 0;
            t->uatc_rsp_ready = 1;
            t->uatc_cpl_ready = 1;
            for (;;) {
                sim.settle();
                bool busy = t->uatc_busy_o;
                if (t->uatc_cpl_valid) os << "cpl " << t->uatc_cpl_itag << "\n";
                if (t->uatc_rsp_valid) {
                    if (t->uatc_rsp_kind == 0) {
                        os << "count " << t->uatc_rsp_count << "\n";
                    } else if (t->uatc_rsp_kind == 1) {
                        os << "entry " << t->uatc_rsp_pasid << " " << int(t->uatc_rsp_size) << " " << int(t->uatc_rsp_perms)
                           << " " << int(t->uatc_rsp_global) << " " << t->uatc_rsp_va << " " << t->uatc_rsp_pa << "\n";
                    } else {
                        os << "lookup " << int(t->uatc_rsp_hit) << " " << (t->uatc_rsp_hit ? t->uatc_rsp_pa : 0) << "\n";
                    }
                }
                sim.edge();
                if (!busy) break;
            }
            if (cmd == "fill" || cmd == "reset") os << "ok\n";
        } else if (cmd == "board") {
            std::string h;
            in >> h;
            std::vector<uint8_t> bytes = parse_hex(h), out;
            t->s_valid = 0;
            t->session_reset_i = 1;
            sim.tick();
            t->session_reset_i = 0;
            start = sim.cycles;
            size_t pos = 0;
            uint64_t took_at = 0;
            for (;;) {
                t->s_valid = pos < bytes.size();
                t->s_data = pos < bytes.size() ? bytes[pos] : 0;
                sim.settle();
                bool busy = t->busy_o || t->m_valid;
                if ((pos >= bytes.size() || t->hangup_o) && !busy) break;
                bool took = t->s_valid && t->s_ready;
                if (t->m_valid) out.push_back(t->m_data);
                sim.edge();
                if (took) {
                    pos++;
                    took_at = sim.cycles - start;
                }
            }
            t->s_valid = 0;
            os << "out ";
            print_hex(os, out.data(), out.size());
            os << "\ntook " << std::dec << took_at << "\n";
        } else {
            os << "error unknown command '" << cmd << "'\n" << kUsage;
        }
        os << "done " << std::dec << (sim.cycles - start) << "\n";
        std::cout << os.str() << std::flush;
    }
    return 0;
}




const char* kSynopsis =
    "usage: board-sim [--listen HOST:PORT] [--unix PATH] [--vcd FILE]\n"
    "                 [--corrupt-rx-every N] [--corrupt-tx-every N] | --unit | -h | -V\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "board-sim: %s\nTry 'board-sim --help' for more information.\n", message.c_str());
    return kExitUsage;
}

bool parse_count(const std::string& text, uint64_t& value) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19) return false;
    value = std::stoull(text);
    return value > 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::printf("%s\nServes the gateware (Verilator) like the firmware stub: default --listen 127.0.0.1:7700.\n"
                        "Exit status: 0 success; 2 usage; 3 a socket could not be bound.\n\n%s", kSynopsis, kUsage);
            return 0;
        }
        if (a == "-V" || a == "--version") {
            std::printf("board-sim (Emulator gateware, Verilator %d.%03d)\n", static_cast<int>(VERILATOR_VERSION_INTEGER / 1000000), static_cast<int>(VERILATOR_VERSION_INTEGER / 1000 % 1000));
            return 0;
        }
        const bool takes_value = a == "--listen" || a == "--unix" || a == "--vcd" || a == "--corrupt-rx-every" || a == "--corrupt-tx-every";
        if (takes_value && i + 1 >= argc) return usage_error(a + " needs a value");
        if (a == "--listen") o.tcp = argv[++i];
        else if (a == "--unix") o.unix_path = argv[++i];
        else if (a == "--vcd") o.vcd = strdup(argv[++i]);
        else if (a == "--unit") o.unit = true;
        else if (a == "--corrupt-rx-every" || a == "--corrupt-tx-every") {
            std::string v = argv[++i];
            uint64_t n = 0;
            if (!parse_count(v, n)) return usage_error(a + " " + v + ": expected a positive whole number");
            (a == "--corrupt-rx-every" ? o.corrupt_rx : o.corrupt_tx) = n;
        }
        else if (a.size() > 1 && a[0] == '-') return usage_error("unknown option '" + a + "'");
        else return usage_error("unexpected argument '" + a + "'");
    }
    if (o.unit) return unit();
    if (o.tcp.empty() && o.unix_path.empty()) o.tcp = "127.0.0.1:7700";
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    return serve(o);
}
