/** The IVR's prompts (files in its prompts/ folder): `setup({ prompts })` makes a misspelt `play()` a compile error. */
export const ivrPrompts = ['welcome.wav', 'wrong.wav', 'goodbye.wav'] as const;
