{
  "targets": [
    {
      "target_name": "synack_tun",
      "sources": ["native/tun.c"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": []}]]
    }
  ]
}
