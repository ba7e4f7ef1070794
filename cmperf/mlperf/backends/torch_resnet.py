"""ResNet-50 as torchvision builds it, without torchvision (its wheels do not match every torch).

The reference's PyTorch ResNet-50 is torchvision's ``resnet50`` with the official weights
``resnet50-19c8e357.pth``. This module has the same parameter names and layers (ResNet v1.5:
the stride on the 3x3 convolution of a bottleneck, BatchNorm eps 1e-5, 1x1 convolution +
BatchNorm shortcuts where the shape changes), so that file loads strictly. Stage widths follow
``conv1``'s channel count (64 in the official file), the class count ``fc``'s rows (1000, no
background class: label offset 0).
"""
from torch import nn

BLOCKS = (3, 4, 6, 3)       # resnet50's bottlenecks per stage
EXPANSION = 4


def is_resnet50(state):
    return all(k in state for k in ("conv1.weight", "bn1.running_var", "layer4.0.downsample.0.weight", "fc.weight"))


class Bottleneck(nn.Module):
    """torchvision's bottleneck (v1.5: the stride on the 3x3 convolution, grouped for ResNeXt);
    ``norm`` is BatchNorm2d here, the frozen kind in RetinaNet's backbone."""

    def __init__(self, inplanes, width, out, stride, groups=1, norm=nn.BatchNorm2d):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = norm(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, groups=groups, bias=False)
        self.bn2 = norm(width)
        self.conv3 = nn.Conv2d(width, out, 1, bias=False)
        self.bn3 = norm(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != out:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride=stride, bias=False), norm(out))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet50(nn.Module):
    """[N,3,H,W] (torchvision-normalised RGB) -> [N,classes] logits."""

    def __init__(self, width=64, classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        inplanes = width
        for i, n in enumerate(BLOCKS):
            planes = width * 2 ** i
            blocks = []
            for b in range(n):
                blocks.append(Bottleneck(inplanes, planes, planes * EXPANSION, 2 if (b == 0 and i > 0) else 1))
                inplanes = planes * EXPANSION
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(inplanes, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def resnet50_from_state_dict(state):
    """Widths from the tensors; loads strictly (old files without num_batches_tracked load as
    torchvision's do: BatchNorm fills it in)."""
    model = ResNet50(state["conv1.weight"].shape[0], state["fc.weight"].shape[0])
    model.load_state_dict(state, strict=True)
    return model.eval()
