import {
  createTheme,
  defaultVariantColorsResolver,
  Fieldset,
  FileInput,
  type MantineColorsTuple,
  Notification,
  parseThemeColor,
  type VariantColorsResolver,
} from '@mantine/core';

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

/**
 * Mantine writes light and outline variants (badges, light buttons) in shade 6, too pale for small
 * text on white or on its own tint (WCAG AA asks 4.5:1): they take a darkened shade 9 here.
 */
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color || input.theme.primaryColor, theme: input.theme });
  if (!parsed.isThemeColor || (input.variant !== 'light' && input.variant !== 'outline')) return colors;
  // Shade 9 of yellow, orange and green is still under 4.5:1 on white: a touch of black settles it.
  const dark = `color-mix(in srgb, var(--mantine-color-${parsed.color}-9) 72%, black)`;
  return input.variant === 'light'
    ? { ...colors, color: dark }
    : { ...colors, color: dark, border: `1px solid ${dark}` };
};

export const theme = createTheme({
  variantColorResolver,
  // Filled buttons and badges in light colours (green, yellow) get dark text.
  autoContrast: true,
  primaryColor: 'brand',
  primaryShade: 7,
  colors: { brand },
  defaultRadius: 'md',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  headings: { fontWeight: '650' },
  cursorType: 'pointer',
  components: {
    // Its close button is otherwise an unnamed button to a screen reader.
    Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    // A file input's placeholder is text to read ("Choose a .csv file"), not a hint: full contrast.
    FileInput: FileInput.extend({ styles: { placeholder: { color: 'var(--mantine-color-gray-7)' } } }),
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
