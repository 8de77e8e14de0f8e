package config

import (
	"strings"
	"testing"
)

func init() {
	// Sample values for TestEveryKeyChangesSomething and FuzzINIValue.
	for k, v := range map[string]string{
		"WebPort": "8080", "WebBind": "*", "WebAdmins": "admin@example.com, root@example.com", "WebLoginLocal": "True",
	} {
		sampleKeyValues[k] = v
	}
}

func TestWebSwitches(t *testing.T) {
	t.Parallel()
	c := loadSwitches(t, "/WEB", "/PORT:9000")
	if c.Mode != ModeWeb || c.Web.Port != 9000 || c.SMTP.Port != 25 {
		t.Errorf("/WEB /PORT:9000: mode %v, web port %d, SMTP port %d; want Web, 9000, 25", c.Mode, c.Web.Port, c.SMTP.Port)
	}
	if c.Web.Bind != "127.0.0.1" {
		t.Errorf("default WebBind = %q; want 127.0.0.1", c.Web.Bind)
	}
	if s := strings.Join(c.Summary(), "\n"); !strings.Contains(s, "http://127.0.0.1:9000/") {
		t.Errorf("summary does not show the web address:\n%s", s)
	}
	inv, err := ParseArgs([]string{"/STOP:web"})
	if err != nil || inv.Command != CmdStop || inv.Stop != StopWeb {
		t.Errorf("/STOP:web = %+v, %v; want the stop command for the web instance", inv, err)
	}
	for _, args := range [][]string{{"/WEB", "/POP"}, {"/WEB", "/MDA"}} {
		if _, err := ParseArgs(args); err == nil {
			t.Errorf("%q: accepted; want an error", args)
		}
	}
}

func TestWebKeys(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "[Config]\nWebPort=8026\nWebBind=*\nWebAdmins=Admin@Localhost, bob@localhost\nWebLoginLocal=True\n", "/WEB")
	if c.Web.Port != 8026 || c.Web.Bind != "" || !c.Web.LoginLocal || strings.Join(c.Web.Admins, " ") != "admin@localhost bob@localhost" {
		t.Errorf("web settings = %+v", c.Web)
	}
	if c.MDA.Enabled || c.MXA.Enabled {
		t.Errorf("the web instance runs no agents: MDA %v, MXA %v", c.MDA.Enabled, c.MXA.Enabled)
	}
	if _, err := loadText(t, "[Config]\nWebAdmins=not an address\n"); err == nil {
		t.Errorf("WebAdmins=not an address: accepted")
	}
}
