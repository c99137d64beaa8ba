import { LayoutKind } from './layout';
import { PROJECTOR_TABLE } from './projectorTable';

/** Where an engine variable goes in a PyTorch state_dict: its name there and how its layout moves. */
export interface TorchSlot {
  torch: string;
  layout: LayoutKind;
}

interface Rule {
  engine: RegExp;
  torch: string;
  layout?: LayoutKind;
}

const BN = '(weight|bias|running_mean|running_var)';

/**
 * The CVAE (store prefix "vae/") against the authors' CVAE_cifar_withbn: the Sequential indices are
 * the same; a ResBlock's conv1 / bn / conv2 are its `convs.1` / `convs.2` / `convs.4`; the output
 * batch norm is `bn`; fc11/fc12/fc21 sit next to the flatten.
 */
const VAE_RULES: readonly Rule[] = [
  { engine: /^vae\/fc1([12])\.weight$/, torch: 'fc1$1.weight', layout: 'flattenIn' },
  { engine: /^vae\/fc1([12])\.bias$/, torch: 'fc1$1.bias' },
  { engine: /^vae\/fc21\.weight$/, torch: 'fc21.weight', layout: 'flattenOut' },
  { engine: /^vae\/fc21\.bias$/, torch: 'fc21.bias', layout: 'flattenOutBias' },
  { engine: /^vae\/xi_bn\.(.+)$/, torch: 'bn.$1' },
  { engine: /^vae\/((?:en|de)coder\.\d+)\.conv1\.(weight|bias)$/, torch: '$1.convs.1.$2' },
  { engine: new RegExp(`^vae/((?:en|de)coder\\.\\d+)\\.bn\\.${BN}$`), torch: '$1.convs.2.$2' },
  { engine: /^vae\/((?:en|de)coder\.\d+)\.conv2\.(weight|bias)$/, torch: '$1.convs.4.$2' },
  { engine: /^vae\/((?:en|de)coder\.\d+)\.(weight|bias|running_mean|running_var)$/, torch: '$1.$2' },
];

/**
 * The ResNet-18 backbone (store prefix "encoder/") against the authors' resnet_BN (CLAE): the main
 * batch norm keeps the name, the auxiliary one is `<name>_adv`, and the shortcut's batch norm,
 * `shortcut.1` here, is their `shortcut_bn`.
 */
const BACKBONE_RULES: readonly Rule[] = [
  { engine: /^encoder\/conv1\.weight$/, torch: 'encoder.conv1.weight' },
  { engine: new RegExp(`^encoder/bn1\\.main\\.${BN}$`), torch: 'encoder.bn1.$1' },
  { engine: new RegExp(`^encoder/bn1\\.aux\\.${BN}$`), torch: 'encoder.bn1_adv.$1' },
  { engine: /^encoder\/(layer\d+\.\d+)\.(conv[12])\.weight$/, torch: 'encoder.$1.$2.weight' },
  { engine: new RegExp(`^encoder/(layer\\d+\\.\\d+)\\.(bn[12])\\.main\\.${BN}$`), torch: 'encoder.$1.$2.$3' },
  { engine: new RegExp(`^encoder/(layer\\d+\\.\\d+)\\.(bn[12])\\.aux\\.${BN}$`), torch: 'encoder.$1.$2_adv.$3' },
  { engine: /^encoder\/(layer\d+\.\d+)\.shortcut\.0\.weight$/, torch: 'encoder.$1.shortcut.0.weight' },
  { engine: new RegExp(`^encoder/(layer\\d+\\.\\d+)\\.shortcut\\.1\\.main\\.${BN}$`), torch: 'encoder.$1.shortcut_bn.$2' },
  { engine: new RegExp(`^encoder/(layer\\d+\\.\\d+)\\.shortcut\\.1\\.aux\\.${BN}$`), torch: 'encoder.$1.shortcut_bn_adv.$2' },
];

function match(rules: readonly Rule[], name: string): TorchSlot | undefined {
  for (const r of rules) {
    const m = r.engine.exec(name);
    if (m) return { torch: r.torch.replace(/\$(\d)/g, (_, i: string) => m[Number(i)] ?? ''), layout: r.layout ?? 'auto' };
  }
  return undefined;
}

/** The PyTorch slot of a VAE variable (full engine name), or undefined for a name the map does not know. */
export function vaeSlot(name: string): TorchSlot | undefined {
  return match(VAE_RULES, name);
}

/** The PyTorch slot of an SSL-model variable: backbone or projector; undefined for others (targets, predictors, queues). */
export function encoderSlot(name: string): TorchSlot | undefined {
  return match(BACKBONE_RULES, name) ?? match(PROJECTOR_TABLE, name);
}
