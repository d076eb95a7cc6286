package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newVersionCmd returns `pdr-audit version`, which prints "pdr-audit <version>".
func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the pdr-audit version",
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(env.Stdout, "pdr-audit %s\n", version)
			return err
		},
	}
}
