//! Inventories the developer tools on a workstation: editor and browser extensions, AI CLIs, MCP servers, git hygiene, plaintext credential files.
