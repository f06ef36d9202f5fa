import { createTheme, Fieldset, type MantineColorsTuple } from '@mantine/core';

/** Shades around the default workspace colour #2f6f5e (index 7). */
const brand: MantineColorsTuple = [
  '#ecf6f2',
  '#dbebe5',
  '#b3d6c9',
  '#88c0ab',
  '#65ad92',
  '#4f9f83',
  '#3f8a71',
  '#2f6f5e',
  '#245b4c',
  '#174639',
];

export const theme = createTheme({
  primaryColor: 'brand',
  primaryShade: 7,
  colors: { brand },
  defaultRadius: 'md',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  headings: { fontWeight: '650' },
  cursorType: 'pointer',
  components: {
    // Sections of a form read as headings.
    Fieldset: Fieldset.extend({
      styles: {
        legend: {
          fontWeight: 650,
          fontSize: 'var(--mantine-font-size-md)',
          marginBottom: 'var(--mantine-spacing-xs)',
        },
      },
    }),
  },
});
