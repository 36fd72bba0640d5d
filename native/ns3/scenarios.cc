// The ns-3 side of synack's ns3 bench suite (src/bench/ns3.ts builds this with g++ and pkg-config's
// ns-3 flags, caches it under build/ns3/, and runs the same scenarios in synack's simulator).
//
//   bulk      one flow, sender -> receiver over one link (rate, one-way delay, byte queue), random
//             loss on the data direction only, for a fixed virtual time
//   dumbbell  N flows from N left hosts to N right hosts through two routers and one bottleneck
//             link, flow i starting at i * stagger ms, for a fixed virtual time
//   rr        a star: one server at the hub, C client hosts on their own links; each client opens
//             K connections one after the other: connect, send the request, read the response
//             until the server's FIN, close
//
// TCP everywhere: CUBIC (ns-3's, with HyStart) and SACK, timestamps and window scaling, 1448-byte
// segments (MTU 1500), initial window 10, delayed ACK 40 ms, minimum RTO 200 ms, fixed send and
// receive buffers (ns-3 has no auto-tuning). The traffic-control layer's queue disc is removed from
// every device, so a device's drop-tail queue of --queue bytes is the only queue, as synack's link.
//
// Output: one JSON line on stdout with the wall-clock seconds of the run (setup apart), the events
// ns-3 executed, the heap in use at the end (malloc's own count) per host, and what TCP did.
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-layout-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <malloc.h>
#include <sys/resource.h>
#include <string>
#include <unordered_map>
#include <vector>

using namespace ns3;

namespace
{

double
Now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

size_t
HeapInUse()
{
    return mallinfo2().uordblks;
}

// Retransmitted data segments: a segment whose first byte is below the highest byte sent before.
uint64_t g_retransmits = 0;
std::unordered_map<const TcpSocketBase*, SequenceNumber32> g_highest;

void
OnTx(Ptr<const Packet> p, const TcpHeader& h, Ptr<const TcpSocketBase> s)
{
    if (p->GetSize() == 0)
    {
        return;
    }
    auto it = g_highest.find(PeekPointer(s));
    SequenceNumber32 end = h.GetSequenceNumber() + p->GetSize();
    if (it == g_highest.end())
    {
        g_highest.emplace(PeekPointer(s), end);
        return;
    }
    if (h.GetSequenceNumber() < it->second)
    {
        g_retransmits++;
    }
    if (end > it->second)
    {
        it->second = end;
    }
}

void
WatchSocket(Ptr<Socket> s)
{
    // A new socket may sit where a freed one was: forget that one's sequence numbers.
    g_highest.erase(PeekPointer(DynamicCast<TcpSocketBase>(s)));
    s->TraceConnectWithoutContext("Tx", MakeCallback(&OnTx));
}

void
WatchApp(Ptr<BulkSendApplication> app)
{
    WatchSocket(app->GetSocket());
}

void
SetTcpDefaults(uint32_t buffer)
{
    Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TcpCubic::GetTypeId()));
    Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::WindowScaling", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(40)));
    Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(buffer));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(buffer));
}

// The queue disc Ipv4AddressHelper::Assign installs goes: the device's own queue is the only one.
void
RemoveQueueDiscs()
{
    TrafficControlHelper tch;
    for (auto n = NodeList::Begin(); n != NodeList::End(); ++n)
    {
        for (uint32_t i = 0; i < (*n)->GetNDevices(); i++)
        {
            Ptr<NetDevice> d = (*n)->GetDevice(i);
            Ptr<TrafficControlLayer> tc = (*n)->GetObject<TrafficControlLayer>();
            if (DynamicCast<PointToPointNetDevice>(d) && tc && tc->GetRootQueueDiscOnDevice(d))
            {
                tch.Uninstall(d);
            }
        }
    }
}

PointToPointHelper
Link(std::string rate, double delayMs, uint64_t queueBytes)
{
    PointToPointHelper p;
    p.SetDeviceAttribute("DataRate", StringValue(rate));
    p.SetChannelAttribute("Delay", TimeValue(MicroSeconds(static_cast<int64_t>(delayMs * 1000))));
    p.SetQueue("ns3::DropTailQueue<Packet>",
               "MaxSize",
               QueueSizeValue(QueueSize(std::to_string(queueBytes) + "B")));
    return p;
}

// Where the dumbbell drops: at the bottleneck (the left router's egress) as (virtual ms, flow), the
// flow read from the dropped packet's destination (198.19.flow.1); anywhere else, counted.
std::vector<std::pair<double, uint32_t>> g_bottleneckDrops;
uint64_t g_otherDrops = 0;

void
OnBottleneckDrop(Ptr<const Packet> p)
{
    Ptr<Packet> c = p->Copy();
    PppHeader ppp;
    c->RemoveHeader(ppp);
    Ipv4Header ip;
    c->PeekHeader(ip);
    g_bottleneckDrops.emplace_back(Simulator::Now().GetSeconds() * 1000, (ip.GetDestination().Get() >> 8) & 0xff);
}

// With no queue disc, a full device queue stops its transmit queue and the traffic-control layer
// drops what comes next (its TcDrop trace, the packet starting at the IP header): on the left router,
// a packet for the right side (198.19/16) was dropped at the bottleneck's egress.
void
OnLeftRouterTcDrop(Ptr<const Packet> p)
{
    Ipv4Header ip;
    p->PeekHeader(ip);
    uint32_t dst = ip.GetDestination().Get();
    if ((dst >> 16) == ((198u << 8) | 19u))
    {
        g_bottleneckDrops.emplace_back(Simulator::Now().GetSeconds() * 1000, (dst >> 8) & 0xff);
    }
    else
    {
        g_otherDrops++;
    }
}

void
OnOtherDrop(Ptr<const Packet>)
{
    g_otherDrops++;
}

void
OnForward(uint64_t* n, const Ipv4Header&, Ptr<const Packet>, uint32_t)
{
    ++*n;
}

struct Result
{
    double setupSeconds = 0;
    double runSeconds = 0;
    uint64_t events = 0;
    uint32_t hosts = 0;
    size_t heapBytes = 0;
    double virtualSeconds = 0;
    std::vector<uint64_t> received; // per flow
    uint64_t completed = 0;         // rr: request/response cycles done
    double lastDoneSeconds = 0;     // rr: when the last one finished
    bool dumbbell = false;          // drops and forwarded below are reported
    uint64_t forwarded[2] = {0, 0}; // dumbbell: packets each router forwarded (left, right)
};

// CPU seconds the process has used (user and system): on a shared machine, a steadier measure of
// the run's cost than the wall clock.
double
CpuNow()
{
    rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

double g_runCpuSeconds = 0;

double
RunTimed(double seconds)
{
    Simulator::Stop(Seconds(seconds));
    double t0 = Now();
    double c0 = CpuNow();
    Simulator::Run();
    g_runCpuSeconds = CpuNow() - c0;
    return Now() - t0;
}

Result
Bulk(std::string rate, double delayMs, uint64_t queueBytes, double loss, double seconds, uint32_t buffer)
{
    Result r;
    size_t heap0 = HeapInUse();
    double t0 = Now();
    NodeContainer nodes;
    nodes.Create(2);
    NetDeviceContainer devs = Link(rate, delayMs, queueBytes).Install(nodes);
    if (loss > 0)
    {
        Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
        em->SetAttribute("ErrorRate", DoubleValue(loss));
        em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
        devs.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(em));
    }
    InternetStackHelper stack;
    stack.Install(nodes);
    Ipv4AddressHelper ip("198.18.0.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = ip.Assign(devs);
    RemoveQueueDiscs();
    uint16_t port = 5001;
    BulkSendHelper send("ns3::TcpSocketFactory", InetSocketAddress(ifs.GetAddress(1), port));
    send.SetAttribute("MaxBytes", UintegerValue(0));
    send.SetAttribute("SendSize", UintegerValue(16384));
    ApplicationContainer senders = send.Install(nodes.Get(0));
    PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
    ApplicationContainer sinks = sink.Install(nodes.Get(1));
    senders.Start(Seconds(0));
    sinks.Start(Seconds(0));
    Simulator::Schedule(NanoSeconds(1), &WatchApp, DynamicCast<BulkSendApplication>(senders.Get(0)));
    r.setupSeconds = Now() - t0;
    r.runSeconds = RunTimed(seconds);
    r.virtualSeconds = seconds;
    r.events = Simulator::GetEventCount();
    r.hosts = 2;
    r.heapBytes = HeapInUse() - heap0;
    r.received.push_back(DynamicCast<PacketSink>(sinks.Get(0))->GetTotalRx());
    return r;
}

Result
Dumbbell(uint32_t flows,
         std::string rate,
         double delayMs,
         uint64_t queueBytes,
         double seconds,
         double staggerMs,
         uint32_t buffer)
{
    Result r;
    size_t heap0 = HeapInUse();
    double t0 = Now();
    // Access links fast and short, so the bottleneck alone sets the path: 10 Gbit/s, 1 us.
    PointToPointHelper access = Link("10Gbps", 0.001, queueBytes);
    PointToPointHelper bottleneck = Link(rate, delayMs, queueBytes);
    PointToPointDumbbellHelper d(flows, access, flows, access, bottleneck);
    InternetStackHelper stack;
    d.InstallStack(stack);
    d.AssignIpv4Addresses(Ipv4AddressHelper("198.18.0.0", "255.255.255.0"),
                          Ipv4AddressHelper("198.19.0.0", "255.255.255.0"),
                          Ipv4AddressHelper("198.18.255.0", "255.255.255.0"));
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    RemoveQueueDiscs();
    r.dumbbell = true;
    for (auto n = NodeList::Begin(); n != NodeList::End(); ++n)
    {
        for (uint32_t i = 0; i < (*n)->GetNDevices(); i++)
        {
            Ptr<PointToPointNetDevice> dev = DynamicCast<PointToPointNetDevice>((*n)->GetDevice(i));
            if (!dev)
            {
                continue;
            }
            Ptr<Channel> ch = dev->GetChannel();
            Ptr<Node> peer = ch->GetDevice(0) == dev ? ch->GetDevice(1)->GetNode() : ch->GetDevice(0)->GetNode();
            bool toRight = peer == d.GetRight();
            if (*n == d.GetLeft() && toRight)
            {
                NS_ABORT_MSG_UNLESS(dev->GetQueue()->TraceConnectWithoutContext("Drop", MakeCallback(&OnBottleneckDrop)), "no queue Drop trace");
            }
            else
            {
                NS_ABORT_MSG_UNLESS(dev->GetQueue()->TraceConnectWithoutContext("Drop", MakeCallback(&OnOtherDrop)), "no queue Drop trace");
            }
        }
    }
    for (auto n = NodeList::Begin(); n != NodeList::End(); ++n)
    {
        Ptr<TrafficControlLayer> tc = (*n)->GetObject<TrafficControlLayer>();
        NS_ABORT_MSG_UNLESS(tc->TraceConnectWithoutContext("TcDrop", *n == d.GetLeft() ? MakeCallback(&OnLeftRouterTcDrop) : MakeCallback(&OnOtherDrop)), "no TcDrop trace");
    }
    NS_ABORT_MSG_UNLESS(d.GetLeft()->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext("UnicastForward", MakeBoundCallback(&OnForward, &r.forwarded[0])), "no UnicastForward trace");
    NS_ABORT_MSG_UNLESS(d.GetRight()->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext("UnicastForward", MakeBoundCallback(&OnForward, &r.forwarded[1])), "no UnicastForward trace");
    std::vector<Ptr<PacketSink>> sinks;
    for (uint32_t i = 0; i < flows; i++)
    {
        uint16_t port = 5001;
        BulkSendHelper send("ns3::TcpSocketFactory", InetSocketAddress(d.GetRightIpv4Address(i), port));
        send.SetAttribute("MaxBytes", UintegerValue(0));
        send.SetAttribute("SendSize", UintegerValue(16384));
        ApplicationContainer s = send.Install(d.GetLeft(i));
        PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
        ApplicationContainer k = sink.Install(d.GetRight(i));
        Time start = MicroSeconds(static_cast<int64_t>(i * staggerMs * 1000));
        s.Start(start);
        k.Start(Seconds(0));
        Simulator::Schedule(start + NanoSeconds(1), &WatchApp, DynamicCast<BulkSendApplication>(s.Get(0)));
        sinks.push_back(DynamicCast<PacketSink>(k.Get(0)));
    }
    r.setupSeconds = Now() - t0;
    r.runSeconds = RunTimed(seconds);
    r.virtualSeconds = seconds;
    r.events = Simulator::GetEventCount();
    r.hosts = 2 * flows + 2;
    r.heapBytes = HeapInUse() - heap0;
    for (auto& s : sinks)
    {
        r.received.push_back(s->GetTotalRx());
    }
    return r;
}

// The request/response scenario's server: read the request, answer, close.
struct RrServer
{
    uint32_t request;
    uint32_t response;
    std::unordered_map<Socket*, uint32_t> got;

    void Accept(Ptr<Socket> s, const Address&)
    {
        WatchSocket(s);
        got[PeekPointer(s)] = 0;
        s->SetRecvCallback(MakeCallback(&RrServer::Read, this));
    }

    void Read(Ptr<Socket> s)
    {
        uint32_t& n = got[PeekPointer(s)];
        while (Ptr<Packet> p = s->Recv())
        {
            if (p->GetSize() == 0)
            {
                break;
            }
            n += p->GetSize();
        }
        if (n >= request && n < request + 1)
        {
            n = request + 1; // answered
            s->Send(Create<Packet>(response));
            s->Close();
        }
    }
};

struct RrClient
{
    Ptr<Node> node;
    Address server;
    uint32_t request;
    uint32_t response;
    uint32_t left;
    uint32_t got = 0;
    Result* result;

    void Start()
    {
        Ptr<Socket> s = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        WatchSocket(s);
        got = 0;
        s->Bind();
        s->SetConnectCallback(MakeCallback(&RrClient::Connected, this), MakeNullCallback<void, Ptr<Socket>>());
        s->SetRecvCallback(MakeCallback(&RrClient::Read, this));
        s->SetCloseCallbacks(MakeCallback(&RrClient::PeerClosed, this), MakeNullCallback<void, Ptr<Socket>>());
        s->Connect(server);
    }

    void Connected(Ptr<Socket> s)
    {
        s->Send(Create<Packet>(request));
    }

    void Read(Ptr<Socket> s)
    {
        while (Ptr<Packet> p = s->Recv())
        {
            if (p->GetSize() == 0)
            {
                break;
            }
            got += p->GetSize();
        }
    }

    void PeerClosed(Ptr<Socket> s)
    {
        Read(s);
        s->Close();
        if (got == response)
        {
            result->completed++;
            result->lastDoneSeconds = Simulator::Now().GetSeconds();
        }
        if (--left > 0)
        {
            Simulator::ScheduleNow(&RrClient::Start, this);
        }
    }
};

Result
RequestResponse(uint32_t clients,
                uint32_t perClient,
                std::string rate,
                double delayMs,
                uint64_t queueBytes,
                uint32_t request,
                uint32_t response,
                double staggerMs,
                double maxSeconds,
                uint32_t buffer)
{
    Result r;
    size_t heap0 = HeapInUse();
    double t0 = Now();
    PointToPointStarHelper star(clients, Link(rate, delayMs, queueBytes));
    InternetStackHelper stack;
    star.InstallStack(stack);
    star.AssignIpv4Addresses(Ipv4AddressHelper("10.0.0.0", "255.255.255.252"));
    RemoveQueueDiscs();
    uint16_t port = 80;
    RrServer server{request, response, {}};
    Ptr<Socket> listener = Socket::CreateSocket(star.GetHub(), TcpSocketFactory::GetTypeId());
    listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
    listener->Listen();
    listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                MakeCallback(&RrServer::Accept, &server));
    std::vector<RrClient> cs(clients);
    for (uint32_t i = 0; i < clients; i++)
    {
        cs[i] = RrClient{star.GetSpokeNode(i),
                         InetSocketAddress(star.GetHubIpv4Address(i), port),
                         request,
                         response,
                         perClient,
                         0,
                         &r};
        Simulator::Schedule(MicroSeconds(static_cast<int64_t>(i * staggerMs * 1000)), &RrClient::Start, &cs[i]);
    }
    r.setupSeconds = Now() - t0;
    r.runSeconds = RunTimed(maxSeconds);
    r.virtualSeconds = r.lastDoneSeconds;
    r.events = Simulator::GetEventCount();
    r.hosts = clients + 1;
    r.heapBytes = HeapInUse() - heap0;
    return r;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string scenario = "bulk";
    std::string rate = "100Mbps";
    double delayMs = 25;
    uint64_t queue = 1048576;
    double loss = 0.01;
    double seconds = 60;
    uint32_t flows = 100;
    double staggerMs = 10;
    uint32_t clients = 1000;
    uint32_t perClient = 10;
    uint32_t request = 100;
    uint32_t response = 10000;
    uint32_t buffer = 6291456;
    uint32_t seed = 1;
    CommandLine cmd;
    cmd.AddValue("scenario", "bulk, dumbbell or rr", scenario);
    cmd.AddValue("rate", "the bottleneck's (bulk, dumbbell) or each spoke's (rr) rate", rate);
    cmd.AddValue("delayMs", "one-way delay of that link (ms)", delayMs);
    cmd.AddValue("queue", "each device's drop-tail queue (bytes)", queue);
    cmd.AddValue("loss", "bulk: packet loss on the data direction", loss);
    cmd.AddValue("seconds", "virtual time (bulk, dumbbell); the limit (rr)", seconds);
    cmd.AddValue("flows", "dumbbell: flows (and hosts each side)", flows);
    cmd.AddValue("staggerMs", "dumbbell: flow i starts at i*staggerMs; rr: client i starts at i*staggerMs", staggerMs);
    cmd.AddValue("clients", "rr: client hosts", clients);
    cmd.AddValue("perClient", "rr: connections per client, one after the other", perClient);
    cmd.AddValue("request", "rr: request bytes", request);
    cmd.AddValue("response", "rr: response bytes", response);
    cmd.AddValue("buffer", "every socket's send and receive buffer (bytes)", buffer);
    cmd.AddValue("seed", "ns-3's random number seed", seed);
    cmd.Parse(argc, argv);
    RngSeedManager::SetSeed(seed);
    SetTcpDefaults(buffer);

    Result r;
    if (scenario == "bulk")
    {
        r = Bulk(rate, delayMs, queue, loss, seconds, buffer);
    }
    else if (scenario == "dumbbell")
    {
        r = Dumbbell(flows, rate, delayMs, queue, seconds, staggerMs, buffer);
    }
    else if (scenario == "rr")
    {
        r = RequestResponse(clients, perClient, rate, delayMs, queue, request, response, staggerMs, seconds, buffer);
    }
    else
    {
        std::fprintf(stderr, "unknown scenario '%s' (bulk, dumbbell or rr)\n", scenario.c_str());
        return 2;
    }
    std::printf("{\"scenario\":\"%s\",\"setupSeconds\":%.6f,\"runSeconds\":%.6f,\"cpuSeconds\":%.6f,\"events\":%llu,"
                "\"hosts\":%u,\"heapBytes\":%zu,\"virtualSeconds\":%.6f,\"retransmits\":%llu,"
                "\"completed\":%llu,\"received\":[",
                scenario.c_str(),
                r.setupSeconds,
                r.runSeconds,
                g_runCpuSeconds,
                static_cast<unsigned long long>(r.events),
                r.hosts,
                r.heapBytes,
                r.virtualSeconds,
                static_cast<unsigned long long>(g_retransmits),
                static_cast<unsigned long long>(r.completed));
    for (size_t i = 0; i < r.received.size(); i++)
    {
        std::printf("%s%llu", i ? "," : "", static_cast<unsigned long long>(r.received[i]));
    }
    std::printf("]");
    if (r.dumbbell)
    {
        std::printf(",\"drops\":{\"elsewhere\":%llu,\"atBottleneck\":[", static_cast<unsigned long long>(g_otherDrops));
        for (size_t i = 0; i < g_bottleneckDrops.size(); i++)
        {
            std::printf("%s[%.6f,%u]", i ? "," : "", g_bottleneckDrops[i].first, g_bottleneckDrops[i].second);
        }
        std::printf("]},\"forwarded\":[%llu,%llu]",
                    static_cast<unsigned long long>(r.forwarded[0]),
                    static_cast<unsigned long long>(r.forwarded[1]));
    }
    std::printf("}\n");
    Simulator::Destroy();
    return 0;
}
