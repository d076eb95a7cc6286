package main

// Operating system images used by the estates. The SSM platform names and
// versions are what the SSM Agent reports for these releases; the AMI facts
// are what describe-images prints for the public images of that era.
var (
	osAmazon201803 = &osSpec{
		key: "amzn2018", platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
		ssmType: "Linux", ssmName: "Amazon Linux AMI", ssmVersion: "2018.03",
		rootDevice: "/dev/xvda", arch: "x86_64", pkgFormat: "rpm", rpmPublisher: "Amazon.com", distTag: "amzn1",
		agentVersion: "3.2.1705.0",
		amiName:      "amzn-ami-hvm-2018.03.0.20180622-x86_64-gp2", amiOwner: "137112412989", amiAlias: "amazon",
		amiDesc: "Amazon Linux AMI 2018.03.0.20180622 x86_64 HVM GP2", amiCreated: "2018-06-22T22:26:43.000Z", rootVolumeGiB: 8,
	}
	osAmazon201709 = &osSpec{
		key: "amzn2017", platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
		ssmType: "Linux", ssmName: "Amazon Linux AMI", ssmVersion: "2017.09",
		rootDevice: "/dev/xvda", arch: "x86_64", pkgFormat: "rpm", rpmPublisher: "Amazon.com", distTag: "amzn1",
		agentVersion: "3.1.1732.0",
		amiName:      "amzn-ami-hvm-2017.09.1.20180307-x86_64-gp2", amiOwner: "137112412989", amiAlias: "amazon",
		amiDesc: "Amazon Linux AMI 2017.09.1.20180307 x86_64 HVM GP2", amiCreated: "2018-03-07T06:10:59.000Z", rootVolumeGiB: 8,
	}
	osAmazonLinux2ARM = &osSpec{
		key: "amzn2arm", platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
		ssmType: "Linux", ssmName: "Amazon Linux", ssmVersion: "2",
		rootDevice: "/dev/xvda", arch: "arm64", pkgFormat: "rpm", rpmPublisher: "Amazon Linux", distTag: "amzn2",
		agentVersion: "3.2.1705.0",
		amiName:      "amzn2-ami-hvm-2.0.20191116.0-arm64-gp2", amiOwner: "137112412989", amiAlias: "amazon",
		amiDesc: "Amazon Linux 2 AMI 2.0.20191116.0 arm64 HVM gp2", amiCreated: "2019-11-20T00:19:36.000Z", rootVolumeGiB: 8,
	}
	osRHEL75 = &osSpec{
		key: "rhel75", platformDetails: "Red Hat Enterprise Linux", usageOperation: "RunInstances:0010",
		ssmType: "Linux", ssmName: "Red Hat Enterprise Linux Server", ssmVersion: "7.5",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "rpm", rpmPublisher: "Red Hat, Inc.", distTag: "el7",
		agentVersion: "3.2.1705.0",
		amiName:      "RHEL-7.5_HVM_GA-20180322-x86_64-1-Hourly2-GP2", amiOwner: "309956199498",
		amiDesc: "Provided by Red Hat, Inc.", amiCreated: "2018-03-23T20:42:08.000Z", rootVolumeGiB: 10,
	}
	osRHEL610 = &osSpec{
		key: "rhel610", platformDetails: "Red Hat Enterprise Linux", usageOperation: "RunInstances:0010",
		ssmType: "Linux", ssmName: "Red Hat Enterprise Linux Server", ssmVersion: "6.10",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "rpm", rpmPublisher: "Red Hat, Inc.", distTag: "el6",
		agentVersion: "3.1.1732.0",
		amiName:      "RHEL-6.10_HVM_GA-20180615-x86_64-1-Hourly2-GP2", amiOwner: "309956199498",
		amiDesc: "Provided by Red Hat, Inc.", amiCreated: "2018-06-15T14:48:31.000Z", rootVolumeGiB: 10,
	}
	osCentOS7 = &osSpec{
		key: "centos7", platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
		ssmType: "Linux", ssmName: "CentOS Linux", ssmVersion: "7",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "rpm", rpmPublisher: "CentOS", distTag: "el7.centos",
		agentVersion: "3.2.1705.0",
		amiName:      "CentOS Linux 7 x86_64 HVM EBS ENA 1805_01-b7ee8a69-ee97-4a49-9e68-afaee216db2e-ami-77ec9308.4",
		amiOwner:     "679593333241", amiAlias: "aws-marketplace",
		amiDesc: "CentOS Linux 7 x86_64 HVM EBS ENA 1805_01", amiCreated: "2018-06-13T15:53:24.000Z",
		productCode: "aw0evgkw8e5c1q413zgy5pjce", rootVolumeGiB: 8,
	}
	osCentOS6 = &osSpec{
		key: "centos6", platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
		ssmType: "Linux", ssmName: "CentOS Linux", ssmVersion: "6.10",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "rpm", rpmPublisher: "CentOS", distTag: "el6.centos",
		agentVersion: "3.1.1732.0",
		amiName:      "CentOS Linux 6 x86_64 HVM EBS ENA 1805_01-74e8fdc8-9a44-4e6e-b1c7-73b0b3b6a8d2-ami-0e3ba2d5f6a8e2b4c.4",
		amiOwner:     "679593333241", amiAlias: "aws-marketplace",
		amiDesc: "CentOS Linux 6 x86_64 HVM EBS ENA 1805_01", amiCreated: "2018-06-13T15:58:14.000Z",
		productCode: "6x5jmcajty9edm3f211pqjfn2", rootVolumeGiB: 8,
	}
	osUbuntu1404 = &osSpec{
		key: "ubuntu1404", platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
		ssmType: "Linux", ssmName: "Ubuntu", ssmVersion: "14.04",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "deb",
		agentVersion: "3.1.1732.0",
		amiName:      "ubuntu/images/hvm-ssd/ubuntu-trusty-14.04-amd64-server-20180627", amiOwner: "099720109477",
		amiDesc: "Canonical, Ubuntu, 14.04 LTS, amd64 trusty image build on 2018-06-27", amiCreated: "2018-06-28T01:16:39.000Z", rootVolumeGiB: 8,
	}
	osUbuntu1604 = &osSpec{
		key: "ubuntu1604", platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
		ssmType: "Linux", ssmName: "Ubuntu", ssmVersion: "16.04",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "deb",
		agentVersion: "3.2.1705.0",
		amiName:      "ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-20180912", amiOwner: "099720109477",
		amiDesc: "Canonical, Ubuntu, 16.04 LTS, amd64 xenial image build on 2018-09-12", amiCreated: "2018-09-13T17:09:01.000Z", rootVolumeGiB: 8,
	}
	osWindows2012R2 = &osSpec{
		key: "win2012r2", platform: "windows", platformDetails: "Windows", usageOperation: "RunInstances:0002",
		ssmType: "Windows", ssmName: "Microsoft Windows Server 2012 R2 Datacenter", ssmVersion: "6.3.9600",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "win",
		agentVersion: "3.2.1705.0",
		amiName:      "Windows_Server-2012-R2_RTM-English-64Bit-Base-2018.09.15", amiOwner: "801119661308", amiAlias: "amazon",
		amiDesc: "Microsoft Windows Server 2012 R2 RTM 64-bit Locale English AMI provided by Amazon", amiCreated: "2018-09-15T07:26:14.000Z", rootVolumeGiB: 30,
	}
	osWindows2016 = &osSpec{
		key: "win2016", platform: "windows", platformDetails: "Windows", usageOperation: "RunInstances:0002",
		ssmType: "Windows", ssmName: "Microsoft Windows Server 2016 Datacenter", ssmVersion: "10.0.14393",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "win",
		agentVersion: "3.2.1705.0",
		amiName:      "Windows_Server-2016-English-Full-Base-2018.09.15", amiOwner: "801119661308", amiAlias: "amazon",
		amiDesc: "Microsoft Windows Server 2016 with Desktop Experience Locale English AMI provided by Amazon", amiCreated: "2018-09-15T08:18:09.000Z", rootVolumeGiB: 30,
	}
	osWindows2019 = &osSpec{
		key: "win2019", platform: "windows", platformDetails: "Windows", usageOperation: "RunInstances:0002",
		ssmType: "Windows", ssmName: "Microsoft Windows Server 2019 Datacenter", ssmVersion: "10.0.17763",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "win",
		agentVersion: "3.2.1705.0",
		amiName:      "Windows_Server-2019-English-Full-Base-2019.02.13", amiOwner: "801119661308", amiAlias: "amazon",
		amiDesc: "Microsoft Windows Server 2019 with Desktop Experience Locale English AMI provided by Amazon", amiCreated: "2019-02-13T08:29:51.000Z", rootVolumeGiB: 30,
	}
	osWindows2022 = &osSpec{
		key: "win2022", platform: "windows", platformDetails: "Windows", usageOperation: "RunInstances:0002",
		ssmType: "Windows", ssmName: "Microsoft Windows Server 2022 Datacenter", ssmVersion: "10.0.20348",
		rootDevice: "/dev/sda1", arch: "x86_64", pkgFormat: "win",
		agentVersion: "3.2.1705.0",
		amiName:      "Windows_Server-2022-English-Full-Base-2023.10.11", amiOwner: "801119661308", amiAlias: "amazon",
		amiDesc: "Microsoft Windows Server 2022 Full Locale English AMI provided by Amazon", amiCreated: "2023-10-11T06:42:17.000Z", rootVolumeGiB: 30,
	}
	// osThreatManager is the Alert Logic Threat Manager appliance image. It
	// is an EC2 instance like any other, but it never runs the SSM Agent.
	osThreatManager = &osSpec{
		key: "threatmanager", platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
		rootDevice: "/dev/xvda", arch: "x86_64", pkgFormat: "none",
		amiName: "AlertLogic-ThreatManager-x86_64-2023.10.2", amiOwner: "733251395267",
		amiDesc: "Alert Logic Threat Manager appliance", amiCreated: "2023-10-19T12:04:55.000Z", rootVolumeGiB: 20,
	}
)
